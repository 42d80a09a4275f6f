# The help generator, dot-sourced by tools/OneMinBg.build.ps1: compiles docs/en-US/*.md into
#   out/OneMinBg/en-US/OneMinBg.dll-Help.xml   (MAML command help, what Get-Help reads for binary cmdlets)
#   out/OneMinBg/en-US/about_OneMinBg.help.txt (the about topic)
#
# The markdown supplies the prose; everything about a parameter that the code decides (type,
# position, mandatory, pipeline input, aliases, wildcards, accepted values, ranges, parameter sets,
# output types) comes from the BUILT module through Get-Command, read in a fresh pwsh (a binary
# module cannot be unloaded, so the build process never imports it). Docs cannot drift on types.
#
# The build fails, naming the file and the section to add, when an exported cmdlet has no page,
# a parameter has no '### -Name' section, a description or a 'Default value:' line is missing, a
# page has no example, or an [OutputType] of the cmdlet is not under '## OUTPUTS'. A page or a
# parameter section for something the module does not have is only a warning: the docs may be
# written ahead of the code.
#
# Cmdlet page format: docs/en-US/<Verb-Noun>.md
#
#   # Verb-Noun                          the cmdlet's name (must match the file name)
#   ## SYNOPSIS                          one short paragraph
#   ## DESCRIPTION                       paragraphs
#   ## EXAMPLES
#   ### Example 1: what it does          one per example, at least one (tests ask for three)
#   ```powershell                        exactly one fenced code block: the example's code
#   ...
#   ```
#   paragraphs                           what it does and why
#   ## PARAMETERS
#   ### -Name                            one per parameter (common parameters excepted; -WhatIf and
#   paragraphs                           -Confirm included), any order
#   Default value: text                  one line of its own, required: what applies when the
#                                        parameter is not given ('None' when there is nothing)
#   ## INPUTS
#   ### Type.Name                        one per type the pipeline takes ('None' when it takes none)
#   paragraphs
#   ## OUTPUTS
#   ### Type.Name                        one per type written; must include every [OutputType]
#   paragraphs
#   ## NOTES                             paragraphs (optional)
#   ## RELATED LINKS                     list items: '- Get-BgResult', '- [text](https://...)'
#
# Text: paragraphs are separated by blank lines; lines of one paragraph are joined. A line
# starting with '- ' is a list item, a paragraph of its own. A fenced code block (```) outside
# EXAMPLES is kept verbatim as one paragraph. Inline markup is reduced to plain text: `code` and
# **bold** lose their markers, [text](https://url) becomes 'text (https://url)', [text](page.md)
# becomes 'text'. Tables are not supported in cmdlet pages (Get-Help cannot show them).
#
# About page format: docs/en-US/about_<Module>.md
#
#   # about_OneMinBg
#   ## SHORT DESCRIPTION                 one paragraph
#   ## LONG DESCRIPTION                  paragraphs
#   ## ANY OTHER HEADING                 sections; '### Subheading' inside them
#
# Rendered as the classic about_*.help.txt: headings in capitals at column 0, subheadings at
# column 4, text wrapped at 80 columns and indented 4, list items with a hanging indent, code
# blocks and tables verbatim at indent 8.

$script:MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$script:CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
$script:HelpSections = 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'

function Build-ModuleHelp {
    <# Compiles DocsFolder's markdown into ModuleFolder/<culture>; throws listing every undocumented cmdlet or parameter. #>
    param(
        [Parameter(Mandatory)] [string] $ModuleFolder,
        [Parameter(Mandatory)] [string] $DocsFolder,
        [string] $ModuleName = 'OneMinBg'
    )
    $culture = Split-Path $DocsFolder -Leaf
    $commands = Get-ModuleCommandMetadata -ModuleFolder $ModuleFolder
    $problems = [System.Collections.Generic.List[string]]::new()
    $warnings = [System.Collections.Generic.List[string]]::new()

    $pages = @{}
    foreach ($file in Get-ChildItem -LiteralPath $DocsFolder -Filter *.md -File) {
        if ($file.BaseName -like 'about_*') { continue }
        try { $pages[$file.BaseName] = ConvertFrom-CommandMarkdown -Path $file.FullName }
        catch { $problems.Add("$($file.Name): $($_.Exception.Message)") }
    }

    $documented = foreach ($command in $commands) {
        $page = $pages[$command.Name]
        if (-not $page) {
            if (-not $problems.Where({ $_ -like "$($command.Name).md:*" })) {
                $problems.Add("$($command.Name) has no help page: add $(Join-Path $DocsFolder "$($command.Name).md").")
            }
            continue
        }
        foreach ($p in Test-CommandHelp -Command $command -Page $page) { $problems.Add("$($command.Name).md: $p") }
        foreach ($name in $page.Parameters.Keys) {
            if ($name -notin $command.Parameters.Name) {
                $warnings.Add("$($command.Name).md documents -$name, which $($command.Name) does not have (yet); it is left out of the help.")
            }
        }
        [pscustomobject]@{ Command = $command; Page = $page }
    }
    foreach ($name in $pages.Keys) {
        if ($name -notin $commands.Name) {
            $warnings.Add("$name.md documents a cmdlet that $ModuleName does not export (yet); it is left out of the help.")
        }
    }

    $aboutName = "about_$ModuleName"
    $aboutMd = Join-Path $DocsFolder "$aboutName.md"
    $aboutText = $null
    if (-not (Test-Path -LiteralPath $aboutMd)) { $problems.Add("The about topic is missing: add $aboutMd.") }
    else {
        try { $aboutText = ConvertTo-AboutText -Path $aboutMd -Topic $aboutName }
        catch { $problems.Add("$aboutName.md: $($_.Exception.Message)") }
    }

    foreach ($w in $warnings) { Write-Warning "Help: $w" }
    if ($problems.Count) {
        throw ("The help is incomplete ($($problems.Count) problem(s)); see the format at the top of tools/Help.ps1:`n  " + ($problems -join "`n  "))
    }

    $target = Join-Path $ModuleFolder $culture
    $null = New-Item -ItemType Directory -Path $target -Force
    $xmlPath = Join-Path $target "$ModuleName.dll-Help.xml"
    Write-MamlHelp -Path $xmlPath -Items $documented
    $utf8Bom = [System.Text.UTF8Encoding]::new($true)
    [System.IO.File]::WriteAllText((Join-Path $target "$aboutName.help.txt"), $aboutText, $utf8Bom)
    Write-Host "Help: $($documented.Count) cmdlet(s) and $aboutName → $target"
}

function Get-ModuleCommandMetadata {
    <# Reads the exported cmdlets' parameters from the built module in a fresh pwsh, as plain objects. #>
    param([Parameter(Mandatory)] [string] $ModuleFolder)
    $script = {
        param($ModuleFolder)
        $ErrorActionPreference = 'Stop'
        function Get-FriendlyTypeName([type] $Type) {
            if ($Type.IsArray) { return (Get-FriendlyTypeName $Type.GetElementType()) + '[]' }
            $inner = [Nullable]::GetUnderlyingType($Type)
            if ($inner) { return Get-FriendlyTypeName $inner }
            if ($Type.IsGenericType) {
                return ($Type.Name -replace '`\d+$') + '[' + (($Type.GetGenericArguments() | ForEach-Object { Get-FriendlyTypeName $_ }) -join ',') + ']'
            }
            $Type.Name
        }
        $module = Import-Module $ModuleFolder -PassThru
        $common = [System.Management.Automation.Cmdlet]::CommonParameters
        $commands = foreach ($cmd in $module.ExportedCmdlets.Values | Sort-Object Name) {
            $sets = @($cmd.ParameterSets | Sort-Object -Stable { -not $_.IsDefault })
            $parameters = [ordered]@{}
            $syntax = foreach ($set in $sets) {
                $setParams = foreach ($p in $set.Parameters) {
                    if ($p.Name -in $common) { continue }
                    $attr = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ParameterSetName -in $set.Name, '__AllParameterSets' })
                    $meta = $cmd.Parameters[$p.Name]
                    if (-not $parameters.Contains($p.Name)) {
                        $validateSet = $meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
                        $range = $meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] } | Select-Object -First 1
                        $length = $meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateLengthAttribute] } | Select-Object -First 1
                        $parameters[$p.Name] = [ordered]@{
                            Name          = $p.Name
                            Type          = Get-FriendlyTypeName $p.ParameterType
                            IsSwitch      = $p.ParameterType -eq [switch]
                            IsArray       = $p.ParameterType.IsArray
                            Aliases       = @($p.Aliases)
                            Globbing      = [bool]($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
                            AcceptedValues = @(if ($validateSet) { $validateSet.ValidValues })
                            Range         = if ($range) { @("$($range.MinRange)", "$($range.MaxRange)") } else { @() }
                            Length        = if ($length) { @("$($length.MinLength)", "$($length.MaxLength)") } else { @() }
                            Sets          = [System.Collections.Generic.List[object]]::new()
                        }
                    }
                    $entry = [ordered]@{
                        Set            = $set.Name
                        Mandatory      = $p.IsMandatory
                        Position       = $p.Position
                        ByValue        = $p.ValueFromPipeline
                        ByPropertyName = $p.ValueFromPipelineByPropertyName
                        DontShow       = [bool]($attr | Where-Object DontShow)
                    }
                    $parameters[$p.Name].Sets.Add($entry)
                    [pscustomobject]@{ Name = $p.Name; Mandatory = $p.IsMandatory; Position = $p.Position; DontShow = $entry.DontShow }
                }
                # The order Get-Command -Syntax uses: positional parameters by position, then the rest as declared.
                $ordered = @($setParams | Where-Object { $_.Position -ge 0 } | Sort-Object Position) + @($setParams | Where-Object { $_.Position -lt 0 })
                [pscustomobject]@{ Set = $set.Name; IsDefault = $set.IsDefault; Parameters = @($ordered | Where-Object { -not $_.DontShow } | ForEach-Object Name) }
            }
            [pscustomobject]@{
                Name        = $cmd.Name
                Verb        = $cmd.Verb
                Noun        = $cmd.Noun
                OutputTypes = @($cmd.OutputType | ForEach-Object Name)
                Syntax      = @($syntax)
                Parameters  = @($parameters.Values | ForEach-Object { [pscustomobject]$_ })
            }
        }
        # Marked, so a warning the import prints cannot be mistaken for the data.
        'HELP-METADATA:' + (ConvertTo-Json -InputObject @($commands) -Depth 8 -Compress)
    }
    $json = Invoke-FreshPwsh "& { $script } '$($ModuleFolder -replace "'", "''")'"
    $data = @($json) -match '^HELP-METADATA:' | Select-Object -First 1
    if ($LASTEXITCODE -ne 0 -or -not $data) { throw "Could not read the cmdlets of the built module in $ModuleFolder (exit code $LASTEXITCODE): $($json -join "`n")" }
    @($data.Substring('HELP-METADATA:'.Length) | ConvertFrom-Json)
}

function Test-CommandHelp {
    <# What a page lacks for one cmdlet of the built module, as sentences. #>
    param($Command, $Page)
    if ($Page.Name -ne $Command.Name) { "the title is '# $($Page.Name)'; it must be '# $($Command.Name)'." }
    if (-not $Page.Synopsis) { "'## SYNOPSIS' is missing or empty." }
    if (-not $Page.Description) { "'## DESCRIPTION' is missing or empty." }
    if (-not $Page.Examples.Count) { "'## EXAMPLES' has no '### Example 1: ...' with a code block." }
    if (-not $Page.Inputs.Count) { "'## INPUTS' has no '### <type>' (write '### None' when the cmdlet takes no pipeline input)." }
    if (-not $Page.Outputs.Count) { "'## OUTPUTS' has no '### <type>'." }
    foreach ($type in $Command.OutputTypes) {
        if ($type -notin $Page.Outputs.Type) { "'## OUTPUTS' lacks '### $type', which the cmdlet declares in [OutputType]." }
    }
    foreach ($parameter in $Command.Parameters) {
        $doc = $Page.Parameters[$parameter.Name]
        if (-not $doc) { "parameter -$($parameter.Name) is not documented: add '### -$($parameter.Name)' under '## PARAMETERS' with a description and a 'Default value:' line."; continue }
        if (-not $doc.Description) { "'### -$($parameter.Name)' has no description." }
        if ($null -eq $doc.Default) { "'### -$($parameter.Name)' has no 'Default value:' line (write 'Default value: None' when nothing applies)." }
    }
}

function ConvertFrom-CommandMarkdown {
    <# Parses a cmdlet page (format at the top of this file) into its sections; throws on a malformed page. #>
    param([Parameter(Mandatory)] [string] $Path)
    $lines = (Get-Content -LiteralPath $Path -Raw) -split '\r?\n'
    $page = [pscustomobject]@{
        Name = $null; Synopsis = @(); Description = @(); Examples = [System.Collections.Generic.List[object]]::new()
        Parameters = [ordered]@{}; Inputs = [System.Collections.Generic.List[object]]::new(); Outputs = [System.Collections.Generic.List[object]]::new()
        Notes = @(); Links = [System.Collections.Generic.List[object]]::new()
    }
    # Split into (section, subsection title, body lines) blocks; headings inside code fences are code.
    $blocks = [System.Collections.Generic.List[object]]::new()
    $section = $null; $current = $null; $inFence = $false
    foreach ($line in $lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^# (.+)$' -and -not $page.Name) { $page.Name = $Matches[1].Trim(); continue }
        if (-not $inFence -and $line -match '^## (.+)$') {
            $section = $Matches[1].Trim().ToUpperInvariant()
            if ($section -notin $HelpSections) { throw "unknown section '## $($Matches[1])'; the sections are: $($HelpSections -join ', ')." }
            $current = [pscustomobject]@{ Section = $section; Title = $null; Lines = [System.Collections.Generic.List[string]]::new() }
            $blocks.Add($current); continue
        }
        if (-not $inFence -and $line -match '^### (.+)$') {
            if (-not $section) { throw "'### $($Matches[1])' comes before any '## SECTION'." }
            $current = [pscustomobject]@{ Section = $section; Title = $Matches[1].Trim(); Lines = [System.Collections.Generic.List[string]]::new() }
            $blocks.Add($current); continue
        }
        if ($current) { $current.Lines.Add($line) }
        elseif ($line.Trim()) { throw "text before the first '## SECTION': '$line'." }
    }
    if ($inFence) { throw 'a code block (```) is not closed.' }
    if (-not $page.Name) { throw "the page does not start with '# <cmdlet name>'." }

    foreach ($block in $blocks) {
        switch ($block.Section) {
            'SYNOPSIS' { $page.Synopsis = @(ConvertTo-Paragraphs $block.Lines) }
            'DESCRIPTION' { $page.Description = @(ConvertTo-Paragraphs $block.Lines) }
            'NOTES' { $page.Notes = @(ConvertTo-Paragraphs $block.Lines) }
            'EXAMPLES' {
                if (-not $block.Title) { if ((ConvertTo-Paragraphs $block.Lines).Count) { throw "text under '## EXAMPLES' outside an '### Example N: title'." }; break }
                $code = [System.Collections.Generic.List[string]]::new(); $rest = [System.Collections.Generic.List[string]]::new()
                $state = 'before'
                foreach ($line in $block.Lines) {
                    if ($state -eq 'before' -and $line -match '^\s*```') { $state = 'code'; continue }
                    if ($state -eq 'code' -and $line -match '^\s*```') { $state = 'after'; continue }
                    if ($state -eq 'code') { $code.Add($line) }
                    elseif ($state -eq 'after') { $rest.Add($line) }
                    elseif ($line.Trim()) { throw "'### $($block.Title)' must start with its code block; found '$line'." }
                }
                if ($state -ne 'after' -or -not ($code -join '').Trim()) { throw "'### $($block.Title)' has no code block." }
                $page.Examples.Add([pscustomobject]@{ Title = $block.Title; Code = ($code -join "`n").TrimEnd(); Remarks = @(ConvertTo-Paragraphs $rest) })
            }
            'PARAMETERS' {
                if (-not $block.Title) { break }
                if ($block.Title -notmatch '^-(\w+)$') { throw "'### $($block.Title)' under '## PARAMETERS' must be '### -ParameterName'." }
                $name = $Matches[1]
                if ($page.Parameters.Contains($name)) { throw "-$name is documented twice." }
                $default = $null
                $body = foreach ($line in $block.Lines) {
                    if ($line -match '^Default value:\s*(.*)$') { $default = ConvertTo-PlainText $Matches[1].Trim() } else { $line }
                }
                $page.Parameters[$name] = [pscustomobject]@{ Description = @(ConvertTo-Paragraphs $body); Default = $default }
            }
            { $_ -in 'INPUTS', 'OUTPUTS' } {
                if (-not $block.Title) { break }
                # Not '$list = if ...': that would enumerate the empty list into $null.
                $list = $page.Outputs
                if ($block.Section -eq 'INPUTS') { $list = $page.Inputs }
                $list.Add([pscustomobject]@{ Type = $block.Title.Trim('`'); Description = @(ConvertTo-Paragraphs $block.Lines) })
            }
            'RELATED LINKS' {
                foreach ($line in $block.Lines) {
                    if (-not $line.Trim()) { continue }
                    if ($line -match '^\s*[-*]\s+\[([^\]]+)\]\(([^)]*)\)\s*$') {
                        $uri = if ($Matches[2] -match '^https?://') { $Matches[2] } else { '' }
                        $page.Links.Add([pscustomobject]@{ Text = $Matches[1]; Uri = $uri })
                    }
                    elseif ($line -match '^\s*[-*]\s+(.+)$') { $page.Links.Add([pscustomobject]@{ Text = $Matches[1].Trim().Trim('`'); Uri = '' }) }
                    else { throw "'## RELATED LINKS' takes list items ('- Get-BgResult' or '- [text](https://...)'), not '$line'." }
                }
            }
        }
    }
    $page
}

function ConvertTo-Paragraphs {
    <# Markdown lines → plain-text paragraphs: blank lines separate, '- ' items stand alone, code fences stay verbatim. #>
    param([string[]] $Lines)
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    $code = $null
    $flush = { if ($buffer.Count) { $paragraphs.Add((ConvertTo-PlainText ($buffer -join ' '))); $buffer.Clear() } }
    foreach ($line in $Lines) {
        if ($null -ne $code) {
            if ($line -match '^\s*```') { $paragraphs.Add(($code -join "`n")); $code = $null } else { $code.Add($line) }
            continue
        }
        if ($line -match '^\s*```') { & $flush; $code = [System.Collections.Generic.List[string]]::new(); continue }
        if (-not $line.Trim()) { & $flush; continue }
        if ($line -match '^\s*\|') { throw "tables are not supported in cmdlet pages: '$line'." }
        if ($line -match '^\s*[-*] (.*)$') { & $flush; $buffer.Add("- $($Matches[1].Trim())"); continue }
        $buffer.Add($line.Trim())
    }
    & $flush
    $paragraphs.ToArray()
}

function ConvertTo-PlainText {
    <# Inline markdown → what a console shows: no backticks or bold markers; links keep their text (and web address). #>
    param([string] $Text)
    $Text = [regex]::Replace($Text, '\[([^\]]+)\]\((https?://[^)]+)\)', '$1 ($2)')
    $Text = [regex]::Replace($Text, '\[([^\]]+)\]\([^)]*\)', '$1')
    $Text = $Text -replace '\*\*([^*]+)\*\*', '$1' -replace '`([^`]+)`', '$1'
    $Text
}

# The MAML and about-text writers.
. (Join-Path $PSScriptRoot 'HelpWriters.ps1')
