<#
.SYNOPSIS
    The build's tasks, run by Invoke-Build; build.ps1 is the entry point and documents the user's tasks.
.DESCRIPTION
    Build is Compile, Emulator, Module and Help. Each runs only when one of its inputs is newer than
    its outputs (Invoke-Build's -Inputs/-Outputs), so a build with nothing changed starts no dotnet and
    no pwsh. Compile and Emulator leave a stamp in out/stamps (per configuration) once they succeeded,
    because MSBuild may leave an output's time alone; Module and Help are judged by the files they write.
    Test, Demo, Bench, Faults and Package run after Build; Clean removes what the build made.
#>
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # The test suites to run (names in $TestSuites below); all when not given.
    [string[]] $Suite
)

$BuildRoot = Split-Path $PSScriptRoot -Parent
$Root = $BuildRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'OneMinBg'
$Publish = Join-Path $Out 'publish'
$EmulatorOut = Join-Path $Out 'emulator'
$Stamps = Join-Path $Out 'stamps'
$TestResults = Join-Path $Out 'TestResults'

Import-Module (Join-Path $PSScriptRoot 'Emulator.psm1') -Force
. (Join-Path $PSScriptRoot 'Module.ps1')
. (Join-Path $PSScriptRoot 'Dependencies.ps1')
. (Join-Path $PSScriptRoot 'Package.ps1')
. (Join-Path $PSScriptRoot 'Help.ps1')
. (Join-Path $PSScriptRoot 'Tests.ps1')
. (Join-Path $PSScriptRoot 'Demo.ps1')
. (Join-Path $PSScriptRoot 'Bench.ps1')
. (Join-Path $PSScriptRoot 'Faults.ps1')

function Get-InputFile {
    # The files under the given paths (relative to the root) that a step reads: all but bin/ and obj/.
    param([string[]] $Path)
    $full = $Path | ForEach-Object { Join-Path $Root $_ }
    foreach ($item in Get-Item -Force -LiteralPath $full) {
        if (-not $item.PSIsContainer) { $item; continue }
        Get-ChildItem -LiteralPath $item.FullName -Recurse -File -Force |
            Where-Object FullName -NotMatch '[\\/](bin|obj)[\\/]'
    }
}

function Get-StampPath([string] $Name) { Join-Path $Stamps "$Name.$Configuration" }

function Invoke-Stamped {
    # Runs $Action and leaves the stamp only when it succeeded; a stamp of another configuration goes.
    param([string] $Name, [scriptblock] $Action)
    Remove-Item -Path (Join-Path $Stamps "$Name.*") -ErrorAction SilentlyContinue
    & $Action
    $null = New-Item -ItemType File -Path (Get-StampPath $Name) -Force
}

$Shared = 'Directory.Build.props', 'Directory.Packages.props', 'global.json', '.editorconfig'

# Synopsis: Compiles the module into out/publish (the manifest's version goes into the assemblies).
task Compile -Inputs { Get-InputFile (@('src', 'OneMinBg.psd1') + $Shared) } -Outputs (Get-StampPath 'compile') {
    Invoke-Stamped 'compile' {
        # A publish never deletes what an earlier one left: start empty, so no stale DLL is shipped.
        if (Test-Path -LiteralPath $Publish) { Remove-Item -LiteralPath $Publish -Recurse -Force }
        $version = (Import-PowerShellDataFile (Join-Path $Root 'OneMinBg.psd1')).ModuleVersion
        print Cyan "Compiling OneMinBg $version ($Configuration)"
        $project = Join-Path $Root 'src/OneMinBg/OneMinBg.csproj'
        exec { dotnet publish $project -c $Configuration -o $Publish --nologo -v quiet "-p:Version=$version" }
    }
}

# Synopsis: Builds the emulator into out/emulator.
task Emulator -Inputs { Get-InputFile (@('tests/OneMinBg.Emulator') + $Shared) } -Outputs (Get-StampPath 'emulator') {
    Invoke-Stamped 'emulator' {
        $project = Join-Path $Root 'tests/OneMinBg.Emulator/OneMinBg.Emulator.csproj'
        exec { dotnet build $project -c $Configuration -o $EmulatorOut --nologo -v quiet }
    }
}

# Synopsis: Assembles out/OneMinBg from scratch: assemblies, manifest with release notes, types, formats, licence.
task Module -Inputs {
    Get-Item -LiteralPath (Get-StampPath 'compile')
    Get-InputFile 'OneMinBg.psd1', 'src/OneMinBg/OneMinBg.Format.ps1xml', 'src/OneMinBg/OneMinBg.Types.ps1xml',
        'LICENSE', 'CHANGELOG.md',
        'tools/Module.ps1', 'tools/Dependencies.ps1', 'tools/Package.ps1'
} -Outputs (Join-Path $ModuleOut 'OneMinBg.psd1') {
    Build-ModuleFolder -Publish $Publish -ModuleFolder $ModuleOut -Root $Root
    print Cyan "Module: $ModuleOut"
}

# Synopsis: Compiles docs/en-US into the module's help; fails when a cmdlet or parameter is undocumented.
task Help -Inputs {
    Get-InputFile 'docs/en-US', 'tools/Help.ps1', 'tools/HelpWriters.ps1', 'out/OneMinBg/OneMinBg.psd1'
} -Outputs {
    Join-Path $ModuleOut 'en-US/OneMinBg.dll-Help.xml'
    Join-Path $ModuleOut 'en-US/about_OneMinBg.help.txt'
} {
    try { Build-ModuleHelp -ModuleFolder $ModuleOut -DocsFolder (Join-Path $Root 'docs/en-US') }
    catch {
        # Half-written help must not look up to date to the next build.
        Remove-Item -LiteralPath (Join-Path $ModuleOut 'en-US') -Recurse -Force -ErrorAction SilentlyContinue
        throw
    }
}

# Synopsis: The module in out/OneMinBg and the emulator in out/emulator.
task Build Compile, Emulator, Module, Help

# Synopsis: Runs the test suites on the built module and writes their totals to out/TestResults/totals.json.
task Test Build, {
    Invoke-TestSuite -Name $Suite -Configuration $Configuration -Results $TestResults
}

# Synopsis: Replaces the backgrounds of a few sample images into out/demo.
task Demo Build, { Invoke-Demo }

# Synopsis: Measures the module against the emulator and writes bench/results.md.
task Bench Build, { Invoke-Bench }

# Synopsis: Runs issue 5's fault figures and writes bench/faults.md.
task Faults Build, { assert (Invoke-Faults) 'A fault figure was missed (see the table above).' }

# Synopsis: Packs out/OneMinBg into out/package/OneMinBg.<version>.nupkg.
task Package Build, { $null = Invoke-Package -ModulePath $ModuleOut -Destination (Join-Path $Out 'package') }

# Synopsis: Removes what the build made in out/; the downloaded tools in out/packages stay.
task Clean {
    Get-ChildItem -LiteralPath $Out -Force -ErrorAction SilentlyContinue | Where-Object Name -NE 'packages' |
        Remove-Item -Recurse -Force
}

task . Build
