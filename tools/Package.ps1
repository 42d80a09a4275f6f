# Release notes and packaging, dot-sourced by tools/OneMinBg.build.ps1.
#
# The version has one source, the root OneMinBg.psd1. The build copies that manifest into
# out/OneMinBg and writes into the copy the release notes of that version from CHANGELOG.md.
# The Package task then turns out/OneMinBg into out/package/OneMinBg.<version>.nupkg with
# PSResourceGet's Compress-PSResource: the same nupkg Publish-PSResource would upload, made
# without registering any repository and without the network.

function Get-ChangelogEntry {
    <#
    .SYNOPSIS
        The entries of CHANGELOG.md, newest (first in the file) first.
    .DESCRIPTION
        An entry starts with a heading '## vX.Y.Z - yyyy-mm-dd' and runs to the next '## '
        heading. Other '## ' headings (e.g. '## Unreleased') end an entry but are no entry.
        Notes are the entry's lines without the heading, trimmed of blank lines, joined by LF.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $heading = '^## v(?<version>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?) - (?<date>\d{4}-\d{2}-\d{2})\s*$'
    $entries = [Collections.Generic.List[object]]::new()
    $current = $null
    foreach ($line in (Get-Content -LiteralPath $Path -Encoding utf8)) {
        if ($line -match '^## ') {
            if ($current) { $entries.Add($current) }
            $current = $null
            if ($line -match $heading) {
                $current = [pscustomobject]@{
                    Version = $Matches.version
                    Date    = $Matches.date
                    Lines   = [Collections.Generic.List[string]]::new()
                }
            }
        }
        elseif ($current) { $current.Lines.Add($line.TrimEnd()) }
    }
    if ($current) { $entries.Add($current) }
    foreach ($entry in $entries) {
        [pscustomobject]@{
            Version = $entry.Version
            Date    = $entry.Date
            Notes   = ($entry.Lines -join "`n").Trim("`n")
        }
    }
}

function ConvertTo-CanonicalJson {
    # A manifest's data as JSON with every hashtable's keys sorted, so two manifests compare as text.
    param($Value)
    function ConvertTo-Sorted($v) {
        if ($v -is [Collections.IDictionary]) {
            $sorted = [ordered]@{}
            foreach ($key in ($v.Keys | Sort-Object)) { $sorted[$key] = ConvertTo-Sorted $v[$key] }
            return $sorted
        }
        if ($v -is [Collections.IEnumerable] -and $v -isnot [string]) { return , @($v | ForEach-Object { ConvertTo-Sorted $_ }) }
        $v
    }
    ConvertTo-Json -InputObject (ConvertTo-Sorted $Value) -Depth 20 -Compress
}

function Set-ManifestReleaseNotes {
    <#
    .SYNOPSIS
        Writes PrivateData.PSData.ReleaseNotes into a module manifest and changes nothing else.
    .DESCRIPTION
        Edits the file as text at the places its syntax tree points to: replaces the value of an
        existing ReleaseNotes, or inserts the key (creating PSData and PrivateData when they are
        missing). Comments, order and every other key stay as they were, whatever keys other
        branches add. The result is read back and compared with the original data; any
        difference other than ReleaseNotes fails the build.
    #>
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [AllowEmptyString()] [string] $ReleaseNotes
    )
    $before = Import-PowerShellDataFile -LiteralPath $Path
    $text = Get-Content -LiteralPath $Path -Raw -Encoding utf8
    $tokens = $null; $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($text, [ref] $tokens, [ref] $errors)
    if ($errors) { throw "Cannot parse ${Path}: $($errors[0].Message)" }
    $root = $ast.Find({ param($a) $a -is [System.Management.Automation.Language.HashtableAst] }, $false)
    if (-not $root) { throw "$Path holds no hashtable." }

    $newline = if ($text.Contains("`r`n")) { "`r`n" } else { "`n" }
    $literal = "'" + [System.Management.Automation.Language.CodeGeneration]::EscapeSingleQuotedStringContent($ReleaseNotes) + "'"

    function Get-Entry([System.Management.Automation.Language.HashtableAst] $Hashtable, [string] $Key) {
        foreach ($pair in $Hashtable.KeyValuePairs) {
            if ($pair.Item1 -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $pair.Item1.Value -eq $Key) { return $pair }
        }
    }
    function Get-Hashtable($Pair, [string] $Key) {
        $value = $Pair.Item2.GetPureExpression()
        if ($value -isnot [System.Management.Automation.Language.HashtableAst]) { throw "$Path has $Key, but not as a hashtable: cannot write ReleaseNotes." }
        $value
    }
    function Get-Insertion([System.Management.Automation.Language.HashtableAst] $Hashtable, [string] $Entry) {
        # Where and what to insert so that $Entry becomes the hashtable's last key, on its own line,
        # indented like the keys before it.
        if ($Hashtable.KeyValuePairs.Count -gt 0) {
            $value = $Hashtable.KeyValuePairs[-1].Item2.Extent
            $indent = ' ' * ($Hashtable.KeyValuePairs[0].Item1.Extent.StartColumnNumber - 1)
            # After the last value, or after a comment that ends its line.
            $offset = $value.EndOffset
            $next = $tokens | Where-Object { $_.Extent.StartOffset -ge $offset -and $_.Kind -ne 'NewLine' } | Select-Object -First 1
            if ($next -and $next.Kind -eq 'Comment' -and $next.Extent.StartLineNumber -eq $value.EndLineNumber) { $offset = $next.Extent.EndOffset }
            return @{ Offset = $offset; Text = "$newline$indent$Entry" }
        }
        @{ Offset = $Hashtable.Extent.EndOffset - 1; Text = " $Entry " }
    }

    $privateData = Get-Entry $root 'PrivateData'
    if (-not $privateData) {
        $edit = Get-Insertion $root "PrivateData = @{ PSData = @{ ReleaseNotes = $literal } }"
    }
    else {
        $privateTable = Get-Hashtable $privateData 'PrivateData'
        $psData = Get-Entry $privateTable 'PSData'
        if (-not $psData) {
            $edit = Get-Insertion $privateTable "PSData = @{ ReleaseNotes = $literal }"
        }
        else {
            $psDataTable = Get-Hashtable $psData 'PSData'
            $notes = Get-Entry $psDataTable 'ReleaseNotes'
            if ($notes) {
                $extent = $notes.Item2.Extent
                $edit = @{ Offset = $extent.StartOffset; RemoveLength = $extent.EndOffset - $extent.StartOffset; Text = $literal }
            }
            else {
                $edit = Get-Insertion $psDataTable "ReleaseNotes = $literal"
            }
        }
    }
    $remove = if ($edit.ContainsKey('RemoveLength')) { $edit.RemoveLength } else { 0 }
    $newText = $text.Remove($edit.Offset, $remove).Insert($edit.Offset, $edit.Text)
    # With a BOM: Windows PowerShell 5.1 reads a manifest without one as ANSI.
    [IO.File]::WriteAllText($Path, $newText, [Text.UTF8Encoding]::new($true))

    $after = Import-PowerShellDataFile -LiteralPath $Path
    if (-not $before.ContainsKey('PrivateData')) { $before.PrivateData = @{} }
    if (-not $before.PrivateData.ContainsKey('PSData')) { $before.PrivateData.PSData = @{} }
    $before.PrivateData.PSData.ReleaseNotes = $ReleaseNotes
    if ((ConvertTo-CanonicalJson $before) -ne (ConvertTo-CanonicalJson $after)) {
        throw "Writing ReleaseNotes into $Path changed more than ReleaseNotes. Expected:`n$(ConvertTo-CanonicalJson $before)`nGot:`n$(ConvertTo-CanonicalJson $after)"
    }
}

function Update-ModuleReleaseNotes {
    <#
    .SYNOPSIS
        Writes the CHANGELOG.md entry of the manifest's ModuleVersion into the built manifest.
    #>
    param(
        [string] $Manifest = (Join-Path $ModuleOut 'OneMinBg.psd1'),
        [string] $Changelog = (Join-Path $Root 'CHANGELOG.md')
    )
    $version = (Import-PowerShellDataFile -LiteralPath $Manifest).ModuleVersion
    $entries = @(Get-ChangelogEntry -Path $Changelog)
    $entry = $entries | Where-Object Version -EQ $version | Select-Object -First 1
    if (-not $entry) {
        throw "CHANGELOG.md has no entry for the manifest's version $version. Add one at the top: '## v$version - $(Get-Date -Format yyyy-MM-dd)'."
    }
    if ($entries[0].Version -ne $version) {
        throw "CHANGELOG.md's newest entry is v$($entries[0].Version), but the manifest's version is ${version}: the newest entry must be the version being built."
    }
    if (-not $entry.Notes) { throw "CHANGELOG.md's entry for v$version is empty." }
    Set-ManifestReleaseNotes -Path $Manifest -ReleaseNotes $entry.Notes
}

function Invoke-Package {
    <#
    .SYNOPSIS
        Packs the built module folder into out/package/OneMinBg.<version>.nupkg.
    .DESCRIPTION
        Compress-PSResource (PSResourceGet 1.1+, shipped with pwsh 7.5+) validates the manifest
        and writes the nupkg Publish-PSResource would publish, with the manifest's Description,
        Tags, ProjectUri, LicenseUri and ReleaseNotes in its nuspec. Copy it into any folder,
        register the folder with Register-PSResourceRepository, and Install-PSResource installs it.
    #>
    param(
        [string] $ModulePath = $ModuleOut,
        [string] $Destination = (Join-Path $Out 'package')
    )
    if (-not (Test-Path (Join-Path $ModulePath 'OneMinBg.psd1'))) { throw "No built module at ${ModulePath}: run the Build task first." }
    $compress = Get-Command Compress-PSResource -ErrorAction SilentlyContinue
    if (-not $compress) {
        throw 'Packaging needs Compress-PSResource from Microsoft.PowerShell.PSResourceGet 1.1 or later (shipped with pwsh 7.5+; run this build with the pwsh from "dotnet tool restore").'
    }
    $version = (Import-PowerShellDataFile -LiteralPath (Join-Path $ModulePath 'OneMinBg.psd1')).ModuleVersion
    if (Test-Path $Destination) { Remove-Item -LiteralPath $Destination -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $Destination
    Compress-PSResource -Path $ModulePath -DestinationPath $Destination
    $nupkg = Join-Path $Destination "OneMinBg.$version.nupkg"
    if (-not (Test-Path -LiteralPath $nupkg)) { throw "Compress-PSResource did not write $nupkg." }
    Write-Host "Package: $nupkg" -ForegroundColor Green
    Get-Item -LiteralPath $nupkg
}
