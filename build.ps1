#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and demonstrates the OneMinBg module.
.DESCRIPTION
    The tasks run by Invoke-Build (from NuGet, restored into out/packages on first use); they live in
    tools/OneMinBg.build.ps1. Each step runs only when what it reads changed since it last ran.

    Build  (default) compiles the module into out/OneMinBg and the emulator into out/emulator.
    Test   builds, then runs xunit and Pester (on the built module, in a fresh pwsh) and prints
           'N passed, N failed' over all suites as its last line; exits non-zero on any failure.
           -Suite runs only the named suites (xunit, Pester).
    Bench  builds, then measures throughput, rate limiting, start-up and memory against the
           emulator and writes bench/results.md (takes several minutes).
    Faults builds, then runs issue 5's fault figures (1, 2, 3, 7) at full size against the emulator,
           prints the table and writes bench/faults.md; exits non-zero if a figure is missed.
    Demo   builds, then replaces the backgrounds of a few sample images into out/demo: against
           the real API when $env:ONEMIN_API_KEY is set, else against the local emulator.
    Package builds, then packs out/OneMinBg into out/package/OneMinBg.<version>.nupkg, which
           Install-PSResource installs from a local repository folder (see README, Install).
    Clean  removes what the build made in out/ (the downloaded tools in out/packages stay).
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Faults', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [string[]] $Suite
)

$ErrorActionPreference = 'Stop'
$tools = Join-Path $PSScriptRoot 'tools/BuildTools.proj'
$packages = Join-Path $PSScriptRoot 'out/packages'
$version = (([xml](Get-Content -LiteralPath $tools -Raw)).Project.ItemGroup.PackageDownload |
    Where-Object Include -EQ 'Invoke-Build').Version.Trim('[]')
$invokeBuild = Join-Path $packages "invoke-build/$version/tools/Invoke-Build.ps1"
if (-not (Test-Path -LiteralPath $invokeBuild)) {
    & dotnet restore $tools --packages $packages --nologo -v quiet
    if ($LASTEXITCODE -ne 0) { throw "Restoring the build tools ($tools) failed with exit code $LASTEXITCODE." }
}

$totalsFile = Join-Path $PSScriptRoot 'out/TestResults/totals.json'
if ($Task -eq 'Test') { Remove-Item -LiteralPath $totalsFile -ErrorAction SilentlyContinue }
$failed = $false
try {
    $file = Join-Path $PSScriptRoot 'tools/OneMinBg.build.ps1'
    & $invokeBuild -Task $Task -File $file -Configuration $Configuration -Suite $Suite
}
catch {
    # Invoke-Build has printed the error and 'Build FAILED'.
    $failed = $true
}
if ($Task -eq 'Test') {
    # The closing line CI reads: the totals of all suites (a build that failed before them counts as
    # one failure).
    $totals = if (Test-Path -LiteralPath $totalsFile) { Get-Content -LiteralPath $totalsFile -Raw | ConvertFrom-Json }
    else { [pscustomobject]@{ Passed = 0; Failed = 1 } }
    Write-Host "$($totals.Passed) passed, $($totals.Failed) failed"
}
if ($failed) { exit 1 }
