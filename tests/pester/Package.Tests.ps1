# The package and the manifest, checked the way a user or an admin would: build the nupkg with
# the Package task, put it in a local PSResourceGet repository, install it and import it by name
# in fresh processes; Test-ModuleManifest; the metadata the gallery tools show.
#
# Every PSResourceGet command runs in a child pwsh whose HOME (and XDG folders) point into
# $TestDrive: on Linux and macOS that is where PSResourceGet keeps its repository list and where
# Install-PSResource -Scope CurrentUser installs, so the user's real profile is never touched.
# The last test checks that.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $RepoRoot 'tools/Package.ps1')

    $script:BuiltManifestPath = Join-Path $ModulePath 'OneMinBg.psd1'
    $script:Version = (Import-PowerShellDataFile (Join-Path $RepoRoot 'OneMinBg.psd1')).ModuleVersion

    function Get-RealProfileState {
        # Where PSResourceGet keeps the repository list and installs CurrentUser modules for the
        # real user, read without loading PSResourceGet (which would create its files).
        $store = Join-Path ([Environment]::GetFolderPath('LocalApplicationData', 'DoNotVerify')) 'PSResourceGet/PSResourceRepository.xml'
        $modules = if ($IsWindows) { Join-Path ([Environment]::GetFolderPath('MyDocuments', 'DoNotVerify')) 'PowerShell/Modules' }
        else { Join-Path $HOME '.local/share/powershell/Modules' }
        # PSGallery is left out: PSResourceGet writes that default entry the first time it runs in
        # any process, so it says nothing about these tests.
        $repositories = if (Test-Path -LiteralPath $store) { @(([xml](Get-Content -LiteralPath $store -Raw)).configuration.Repository.Name) -ne 'PSGallery' } else { @() }
        $installed = if (Test-Path -LiteralPath (Join-Path $modules 'OneMinBg')) { @(Get-ChildItem -LiteralPath (Join-Path $modules 'OneMinBg') -Directory).Name } else { @() }
        [pscustomobject]@{
            Repositories = ($repositories | Sort-Object) -join ','
            Installed    = ($installed | Sort-Object) -join ','
            # What PSResourceGet and NuGet write under the current directory when they find no home.
            Strays       = @('PSResourceGet', 'NuGet' | Where-Object { Test-Path -LiteralPath (Join-Path $PWD.ProviderPath $_) }) -join ','
        }
    }
    $script:RealProfileBefore = Get-RealProfileState

    function Invoke-IsolatedPwsh {
        # Runs $Script in a fresh pwsh -NoProfile whose home is $UserHome, and returns the object
        # the script wrote as its last line in JSON; fails with the whole output otherwise.
        param([Parameter(Mandatory)] [string] $Script, [Parameter(Mandatory)] [string] $UserHome)
        $names = 'HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'PSModulePath'
        $saved = @{}
        foreach ($name in $names) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        try {
            $env:HOME = $UserHome
            $env:XDG_DATA_HOME = Join-Path $UserHome '.local/share'
            $env:XDG_CONFIG_HOME = Join-Path $UserHome '.config'
            $env:XDG_CACHE_HOME = Join-Path $UserHome '.cache'
            # Unset: the child builds its default module path from its own home.
            $env:PSModulePath = $null
            $out = Invoke-FreshPwsh "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'`n$Script"
        }
        finally {
            foreach ($name in $names) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
        $text = ($out | ForEach-Object { "$_" }) -join "`n"
        if ($LASTEXITCODE -ne 0) { throw "The child pwsh failed (exit code $LASTEXITCODE):`n$text" }
        try { ($out | Select-Object -Last 1) | ForEach-Object { "$_" } | ConvertFrom-Json }
        catch { throw "The child pwsh wrote no JSON result:`n$text" }
    }

    function New-UserHome {
        # The folders must exist: .NET answers GetFolderPath(LocalApplicationData) with '' for a
        # missing one, and PSResourceGet then writes its repository list under the current directory.
        $path = Join-Path $TestDrive "home-$([guid]::NewGuid().ToString('N'))"
        foreach ($dir in '.local/share', '.config', '.cache') { $null = New-Item -ItemType Directory -Path (Join-Path $path $dir) }
        $path
    }

    function New-LocalRepository {
        # A folder holding the package, and a unique repository name for it.
        $dir = Join-Path $TestDrive "repo-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $dir
        Copy-Item -LiteralPath $Package -Destination $dir
        [pscustomobject]@{ Name = "OneMinBgTest$([guid]::NewGuid().ToString('N').Substring(0, 12))"; Path = $dir }
    }

    function Get-ChangelogTopEntry {
        # Read here independently of the build's parser: the text under the first '## v' heading.
        $text = (Get-Content -LiteralPath (Join-Path $RepoRoot 'CHANGELOG.md') -Raw) -replace "`r`n", "`n"
        $m = [regex]::Match($text, '(?ms)^## v(?<version>\S+) - (?<date>\d{4}-\d{2}-\d{2})[ \t]*\n(?<body>.*?)(?=^## |\z)')
        [pscustomobject]@{ Version = $m.Groups['version'].Value; Date = $m.Groups['date'].Value; Notes = $m.Groups['body'].Value.Trim("`n") }
    }

    # The package, made by the Package task's function (the module in out/OneMinBg is already built).
    $script:PackageHome = New-UserHome
    $packed = Invoke-IsolatedPwsh -UserHome $PackageHome -Script @"
. '$(Join-Path $RepoRoot 'tools/Package.ps1')'
`$nupkg = Invoke-Package -ModulePath '$ModulePath' -Destination '$(Join-Path $RepoRoot 'out/package')' 6>`$null
@{ Path = `$nupkg.FullName } | ConvertTo-Json -Compress
"@
    $script:Package = $packed.Path
}

Describe 'The package from build.ps1 -Task Package' {
    It 'is out/package/OneMinBg.<version>.nupkg' {
        $Package | Should -Be (Join-Path $RepoRoot "out/package/OneMinBg.$Version.nupkg")
        Test-Path -LiteralPath $Package | Should -BeTrue
    }

    It 'carries the manifest''s metadata in its nuspec and every file of the built module' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($Package)
        try {
            $reader = [IO.StreamReader]::new($zip.GetEntry('OneMinBg.nuspec').Open())
            try { $nuspec = ([xml]$reader.ReadToEnd()).package.metadata } finally { $reader.Dispose() }
            $files = @($zip.Entries.FullName | Where-Object { $_ -notmatch '^(_rels/|package/|\[Content_Types\]\.xml$|OneMinBg\.nuspec$)' })
        }
        finally { $zip.Dispose() }

        $manifest = Import-PowerShellDataFile $BuiltManifestPath
        $nuspec.id | Should -Be 'OneMinBg'
        $nuspec.version | Should -Be $Version
        $nuspec.description | Should -Be $manifest.Description
        $nuspec.projectUrl | Should -Be $manifest.PrivateData.PSData.ProjectUri
        $nuspec.licenseUrl | Should -Be $manifest.PrivateData.PSData.LicenseUri
        $nuspec.releaseNotes | Should -Be (Get-ChangelogTopEntry).Notes
        foreach ($tag in $manifest.PrivateData.PSData.Tags) { $nuspec.tags -split ' ' | Should -Contain $tag }
        # Every file of the module folder, help in en-US included, and nothing else.
        $built = Get-ChildItem -LiteralPath $ModulePath -File -Recurse | ForEach-Object { [IO.Path]::GetRelativePath($ModulePath, $_.FullName) -replace '\\', '/' }
        ($files | Sort-Object) | Should -Be ($built | Sort-Object)
        $files | Should -Contain 'LICENSE'
    }
}

Describe 'Installing from a local PSResourceGet repository' {
    It 'Save-PSResource saves it to a folder, and a fresh pwsh imports it from there by name' {
        $userHome = New-UserHome
        $repo = New-LocalRepository
        $saveTo = Join-Path $TestDrive "saved-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $saveTo

        $saved = Invoke-IsolatedPwsh -UserHome $userHome -Script @"
Register-PSResourceRepository -Name '$($repo.Name)' -Uri '$($repo.Path)' -Trusted
try {
    `$found = Find-PSResource -Name OneMinBg -Repository '$($repo.Name)'
    Save-PSResource -Name OneMinBg -Repository '$($repo.Name)' -Path '$saveTo' -TrustRepository
}
finally { Unregister-PSResourceRepository -Name '$($repo.Name)' }
@{
    Version = `$found.Version.ToString()
    ReleaseNotes = `$found.ReleaseNotes
    StillRegistered = @(Get-PSResourceRepository | Where-Object Name -EQ '$($repo.Name)').Count
} | ConvertTo-Json -Compress
"@
        $saved.Version | Should -Be $Version
        $saved.ReleaseNotes | Should -Be (Get-ChangelogTopEntry).Notes
        $saved.StillRegistered | Should -Be 0
        Test-Path -LiteralPath (Join-Path $saveTo "OneMinBg/$Version/OneMinBg.psd1") | Should -BeTrue

        $imported = Invoke-IsolatedPwsh -UserHome $userHome -Script @"
`$env:PSModulePath = '$saveTo' + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module OneMinBg
`$m = Get-Module OneMinBg
@{ Version = `$m.Version.ToString(); ModuleBase = `$m.ModuleBase; Commands = @((Get-Command -Module OneMinBg).Name | Sort-Object) } | ConvertTo-Json -Compress
"@
        $imported.Version | Should -Be $Version
        $imported.ModuleBase | Should -Be (Join-Path $saveTo "OneMinBg/$Version")
        $imported.Commands | Should -Be @((Import-PowerShellDataFile $BuiltManifestPath).CmdletsToExport | Sort-Object)
    }

    # PSResourceGet's CurrentUser folder on Windows is Documents\PowerShell\Modules from the shell
    # folder API, which no environment variable moves: there this test would install into the real
    # profile, so it runs on Linux and macOS only (HOME decides the folder there).
    # Skipped on Windows only: there PSResourceGet's CurrentUser folder cannot be redirected, so the test would install into the real profile.
    It 'Install-PSResource -Scope CurrentUser installs it, and a fresh pwsh imports it by name (skipped on Windows: its install folder cannot be redirected away from the real profile)' -Skip:$IsWindows {
        $userHome = New-UserHome
        $repo = New-LocalRepository
        $installed = Invoke-IsolatedPwsh -UserHome $userHome -Script @"
Register-PSResourceRepository -Name '$($repo.Name)' -Uri '$($repo.Path)' -Trusted
try { Install-PSResource -Name OneMinBg -Repository '$($repo.Name)' -Scope CurrentUser }
finally { Unregister-PSResourceRepository -Name '$($repo.Name)' }
`$i = Get-InstalledPSResource -Name OneMinBg
@{ Version = `$i.Version.ToString(); InstalledLocation = `$i.InstalledLocation } | ConvertTo-Json -Compress
"@
        $userModules = Join-Path $userHome '.local/share/powershell/Modules'
        $installed.Version | Should -Be $Version
        $installed.InstalledLocation | Should -Be $userModules

        $imported = Invoke-IsolatedPwsh -UserHome $userHome -Script @'
Import-Module OneMinBg
$m = Get-Module OneMinBg
@{
    Version = $m.Version.ToString()
    ModuleBase = $m.ModuleBase
    Commands = @((Get-Command -Module OneMinBg).Name | Sort-Object)
    ReleaseNotes = $m.PrivateData.PSData.ReleaseNotes
} | ConvertTo-Json -Compress
'@
        $imported.Version | Should -Be $Version
        $imported.ModuleBase | Should -Be (Join-Path $userModules "OneMinBg/$Version")
        $imported.Commands | Should -Be @((Import-PowerShellDataFile $BuiltManifestPath).CmdletsToExport | Sort-Object)
        $imported.ReleaseNotes | Should -Be (Get-ChangelogTopEntry).Notes
    }
}

Describe 'Writing the release notes into a manifest' {
    BeforeAll {
        $script:Notes = "Line with 'single', ‘curly’ and `"double`" quotes, `$notAVariable and `$(Get-Date).`n- a second line"
    }

    It 'writes them into <Case> and leaves every other key and comment as it was' -TestCases @(
        @{
            Case = 'a manifest with keys other branches add (FormatsToProcess, more cmdlets, comments)'
            Text = @"
@{
    RootModule        = 'OneMinBg.dll'
    ModuleVersion     = '0.2.0'
    # Added on main in parallel:
    FormatsToProcess  = @('OneMinBg.format.ps1xml')
    CmdletsToExport   = @('Invoke-BackgroundReplace', 'Get-OneMinBgConfig', 'Set-OneMinBgConfig')
    PrivateData       = @{
        PSData = @{
            Tags       = @('a', 'b')
            ProjectUri = 'https://example.invalid/p' # trailing comment
        }
        Other = 'kept'
    }
}
"@
        }
        @{
            Case = 'a manifest that already has ReleaseNotes (replaced, not duplicated)'
            Text = "@{`n    ModuleVersion = '0.1.0'`n    PrivateData = @{ PSData = @{ ReleaseNotes = @'`nold`n'@; Tags = @('x') } }`n}`n"
        }
        @{
            Case = 'a manifest without PrivateData'
            Text = "@{`n    ModuleVersion = '0.1.0'`n    CmdletsToExport = @('Get-BgResult')`n}`n"
        }
        @{
            Case = 'a manifest with PrivateData but no PSData'
            Text = "@{`n    ModuleVersion = '0.1.0'`n    PrivateData = @{ Other = 1 }`n}`n"
        }
        @{
            Case = 'a manifest with an empty PSData and CRLF line endings'
            Text = "@{`r`n    ModuleVersion = '0.1.0'`r`n    PrivateData = @{`r`n        PSData = @{}`r`n    }`r`n}`r`n"
        }
    ) {
        param($Case, $Text)
        $path = Join-Path $TestDrive "manifest-$([guid]::NewGuid().ToString('N')).psd1"
        [IO.File]::WriteAllText($path, $Text)
        $before = Import-PowerShellDataFile $path

        Set-ManifestReleaseNotes -Path $path -ReleaseNotes $Notes

        $after = Import-PowerShellDataFile $path
        $after.PrivateData.PSData.ReleaseNotes | Should -BeExactly $Notes
        if (-not $before.PrivateData) { $before.PrivateData = @{} }
        if (-not $before.PrivateData.PSData) { $before.PrivateData.PSData = @{} }
        $before.PrivateData.PSData.ReleaseNotes = $Notes
        ConvertTo-CanonicalJson $after | Should -Be (ConvertTo-CanonicalJson $before)
        $written = Get-Content -LiteralPath $path -Raw
        foreach ($comment in [regex]::Matches($Text, '#[^\r\n]*').Value) { $written | Should -BeLike "*$comment*" }
        ([regex]::Matches($written, 'ReleaseNotes')).Count | Should -Be 1
    }

    It 'has release notes: the newest CHANGELOG.md entry, which is for the manifest''s version' {
        $top = Get-ChangelogTopEntry
        $top.Version | Should -Be $Version
        $top.Notes | Should -Not -BeNullOrEmpty
        (Import-PowerShellDataFile $BuiltManifestPath).PrivateData.PSData.ReleaseNotes | Should -Be $top.Notes
    }

    It 'keeps every key of the root manifest unchanged, adding only the release notes' {
        $root = Import-PowerShellDataFile (Join-Path $RepoRoot 'OneMinBg.psd1')
        if (-not $root.PrivateData) { $root.PrivateData = @{} }
        if (-not $root.PrivateData.PSData) { $root.PrivateData.PSData = @{} }
        $root.PrivateData.PSData.ReleaseNotes = (Get-ChangelogTopEntry).Notes
        ConvertTo-CanonicalJson (Import-PowerShellDataFile $BuiltManifestPath) | Should -Be (ConvertTo-CanonicalJson $root)
    }

    It 'fails the build when CHANGELOG.md has no entry for the manifest''s version, naming the heading to add' {
        $manifest = Join-Path $TestDrive 'nochange.psd1'
        Set-Content -LiteralPath $manifest -Value "@{ ModuleVersion = '9.9.9' }"
        $changelog = Join-Path $TestDrive 'CHANGELOG-old.md'
        Set-Content -LiteralPath $changelog -Value "# Changelog`n`n## v0.1.0 - 2026-11-25`n`n- first`n"
        { Update-ModuleReleaseNotes -Manifest $manifest -Changelog $changelog } | Should -Throw -ExpectedMessage "*no entry for*9.9.9*## v9.9.9 - *"
    }

    It 'fails the build when the newest CHANGELOG.md entry is not the manifest''s version' {
        $manifest = Join-Path $TestDrive 'older.psd1'
        Set-Content -LiteralPath $manifest -Value "@{ ModuleVersion = '0.1.0' }"
        $changelog = Join-Path $TestDrive 'CHANGELOG-newer.md'
        Set-Content -LiteralPath $changelog -Value "# Changelog`n`n## v0.2.0 - 2026-12-01`n`n- second`n`n## v0.1.0 - 2026-11-25`n`n- first`n"
        { Update-ModuleReleaseNotes -Manifest $manifest -Changelog $changelog } | Should -Throw -ExpectedMessage '*newest entry is v0.2.0*'
    }
}

Describe 'The user''s real profile' {
    It 'has no repository registered, no OneMinBg installed and no stray PSResourceGet files from these tests' {
        $now = Get-RealProfileState
        $now.Repositories | Should -Be $RealProfileBefore.Repositories
        $now.Installed | Should -Be $RealProfileBefore.Installed
        $now.Strays | Should -Be $RealProfileBefore.Strays
        $now.Repositories | Should -Not -Match 'OneMinBgTest'
    }
}
