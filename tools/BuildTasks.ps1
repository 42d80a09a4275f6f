# The build's tasks, dot-sourced by build.ps1. Every path is relative to the repository root.

$script:Root = Split-Path $PSScriptRoot -Parent
$script:Out = Join-Path $Root 'out'
$script:ModuleOut = Join-Path $Out 'OneMinBg'
$script:PesterVersion = '6.2.0'

function Invoke-Dotnet {
    # Runs dotnet with the given arguments and fails the build when it fails.
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Clean {
    if (Test-Path $Out) { Remove-Item -LiteralPath $Out -Recurse -Force }
}

function Invoke-Build {
    param([string] $Configuration = 'Release')
    $manifest = Import-PowerShellDataFile (Join-Path $Root 'OneMinBg.psd1')
    $version = $manifest.ModuleVersion
    Write-Host "Building OneMinBg $version ($Configuration)" -ForegroundColor Cyan

    # The manifest is the one source of the version; the assemblies get it from here.
    $publish = Join-Path $Out 'publish'
    Invoke-Dotnet publish (Join-Path $Root 'src/OneMinBg/OneMinBg.csproj') -c $Configuration -o $publish --nologo -v quiet "-p:Version=$version"
    Invoke-Dotnet build (Join-Path $Root 'tests/OneMinBg.Emulator/OneMinBg.Emulator.csproj') -c $Configuration -o (Join-Path $Out 'emulator') --nologo -v quiet

    # A binary module cannot be unloaded: rebuild the folder from scratch so no stale file survives.
    if (Test-Path $ModuleOut) { Remove-Item -LiteralPath $ModuleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleOut
    Copy-ModuleDependency -Publish $publish -Destination $ModuleOut
    Assert-ModuleReferenceClosure
    Copy-Item (Join-Path $Root 'OneMinBg.psd1'), (Join-Path $Root 'src/OneMinBg/OneMinBg.Format.ps1xml'), (Join-Path $Root 'LICENSE') -Destination $ModuleOut
    Update-ModuleReleaseNotes
    Write-Host "Module: $ModuleOut"
    Build-ModuleHelp -ModuleFolder $ModuleOut -DocsFolder (Join-Path $Root 'docs/en-US')
}

function Get-PesterModulePath {
    # Pester comes from NuGet like everything else: restore it into out/packages once.
    $packages = Join-Path $Out 'packages'
    $psd1 = Join-Path $packages "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) {
        Invoke-Dotnet restore (Join-Path $Root 'tests/tools/TestTools.proj') --packages $packages --nologo -v quiet
    }
    $psd1
}

function Invoke-Test {
    param([string] $Configuration = 'Release')
    $results = Join-Path $Out 'TestResults'
    if (Test-Path $results) { Remove-Item -LiteralPath $results -Recurse -Force }

    Write-Host 'xunit' -ForegroundColor Cyan
    # Runners write to the host, not to this function's output: only the verdict is returned.
    & dotnet test (Join-Path $Root 'tests/OneMinBg.Tests/OneMinBg.Tests.csproj') -c $Configuration --nologo `
        --logger 'trx;LogFileName=xunit.trx' --logger 'console;verbosity=normal' --results-directory $results | Out-Host
    $xunit = Get-TrxCount (Join-Path $results 'xunit.trx')

    Write-Host 'Pester' -ForegroundColor Cyan
    $pester = Invoke-PesterInFreshProcess -ResultFile (Join-Path $results 'pester.json')
    Write-Host 'Mono (.NET Framework)' -ForegroundColor Cyan
    $mono = Invoke-MonoTest -Configuration $Configuration

    $passed = $xunit.Passed + $pester.Passed + $mono.Passed
    $failed = $xunit.Failed + $pester.Failed + $mono.Failed
    Write-Host ("xunit: {0} passed, {1} failed; Pester: {2} passed, {3} failed; Mono: {4} passed, {5} failed" -f
        $xunit.Passed, $xunit.Failed, $pester.Passed, $pester.Failed, $mono.Passed, $mono.Failed)
    # The closing line CI reads: totals of all suites.
    Write-Host "$passed passed, $failed failed"
    ($failed -eq 0) -and ($passed -gt 0)
}

function Get-TrxCount {
    param([string] $Path)
    if (-not (Test-Path $Path)) {
        # The run did not get as far as writing results (e.g. a compile error): count it as one failure.
        return [pscustomobject]@{ Passed = 0; Failed = 1 }
    }
    $counters = ([xml](Get-Content -LiteralPath $Path -Raw)).TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout }
}

function Invoke-PesterInFreshProcess {
    # Pester runs in a new pwsh so it imports the module just built, never one loaded earlier.
    param([string] $ResultFile)
    $pesterPsd1 = Get-PesterModulePath
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pesterPsd1'
`$config = New-PesterConfiguration
`$config.Run.Path = '$(Join-Path $Root 'tests/pester')'
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'Detailed'
`$r = Invoke-Pester -Configuration `$config
[pscustomobject]@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount } |
    ConvertTo-Json | Set-Content -LiteralPath '$ResultFile'
"@
    $pwsh = Get-PwshCommand
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script | Out-Host
    if (-not (Test-Path $ResultFile)) { return [pscustomobject]@{ Passed = 0; Failed = 1 } }
    Get-Content -LiteralPath $ResultFile -Raw | ConvertFrom-Json
}

function Invoke-Demo {
    # The main job, end to end: sample images → Invoke-BackgroundReplace → Save-BgImage.
    $demo = Join-Path $Out 'demo'
    $samples = Join-Path $demo 'samples'
    $saved = Join-Path $demo 'saved'
    foreach ($dir in $samples, $saved) {
        if (Test-Path $dir) { Remove-Item -LiteralPath $dir -Recurse -Force }
        $null = New-Item -ItemType Directory -Path $dir
    }
    New-TestImage -Path $samples -Count 2 -Width 96 -Height 64 -Prefix 'product '
    New-TestImage -Path $samples -Count 1 -Width 64 -Height 96 -Prefix 'portrait [tall] '

    $emulator = $null
    if (-not $env:ONEMIN_API_KEY) {
        $emulator = Start-OneMinEmulator -LatencyMs 300
        Write-Host "No ONEMIN_API_KEY: using the local emulator at $($emulator.ApiUri)" -ForegroundColor Yellow
    }
    try {
        $pwsh = Get-PwshCommand
        $env:ONEMIN_DEMO_SAMPLES = $samples
        $env:ONEMIN_DEMO_SAVED = $saved
        $script = @'
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $env:ONEMIN_DEMO_ROOT 'out/OneMinBg')
$results = Get-ChildItem -LiteralPath $env:ONEMIN_DEMO_SAMPLES -File |
    Invoke-BackgroundReplace -Prompt 'white studio backdrop, soft shadow'
$results | Format-Table -AutoSize | Out-Host
$results | Save-BgImage -Destination $env:ONEMIN_DEMO_SAVED | Format-Table Name, Length, LastWriteTime -AutoSize | Out-Host
'@
        $env:ONEMIN_DEMO_ROOT = $Root
        if ($emulator) {
            $env:ONEMIN_BASE_URL = $emulator.ApiUri.AbsoluteUri
            $env:ONEMIN_API_KEY = $emulator.ApiKey
            # Emulator records do not belong in the user's own journal.
            $env:ONEMIN_JOURNAL_PATH = Join-Path $demo 'journal.jsonl'
        }
        & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script
        if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
        Write-Host "Saved images are in $saved" -ForegroundColor Green
    }
    finally {
        if ($emulator) {
            Remove-Item Env:ONEMIN_BASE_URL, Env:ONEMIN_API_KEY, Env:ONEMIN_JOURNAL_PATH -ErrorAction SilentlyContinue
            $emulator | Stop-OneMinEmulator
        }
        Remove-Item Env:ONEMIN_DEMO_SAMPLES, Env:ONEMIN_DEMO_SAVED, Env:ONEMIN_DEMO_ROOT -ErrorAction SilentlyContinue
    }
}

Import-Module (Join-Path $PSScriptRoot 'Emulator.psm1') -Force
. (Join-Path $PSScriptRoot 'Bench.ps1')
. (Join-Path $PSScriptRoot 'Package.ps1')
. (Join-Path $PSScriptRoot 'Help.ps1')
. (Join-Path $PSScriptRoot 'Faults.ps1')
. (Join-Path $PSScriptRoot 'Dependencies.ps1')
