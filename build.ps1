#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and demonstrates the OneMinBg module.
.DESCRIPTION
    Build  (default) compiles the module into out/OneMinBg and the emulator into out/emulator.
    Test   builds, then runs xunit and Pester (on the built module, in a fresh pwsh) and prints
           'N passed, N failed' over both suites; exits non-zero on any failure.
    Bench  builds, then measures throughput, rate limiting, start-up and memory against the
           emulator and writes bench/results.md (takes several minutes).
    Faults builds, then runs issue 5's fault figures (1, 2, 3, 7) at full size against the emulator,
           prints the table and writes bench/faults.md; exits non-zero if a figure is missed.
    Demo   builds, then replaces the backgrounds of a few sample images into out/demo: against
           the real API when $env:ONEMIN_API_KEY is set, else against the local emulator.
    Package builds, then packs out/OneMinBg into out/package/OneMinBg.<version>.nupkg, which
           Install-PSResource installs from a local repository folder (see README, Install).
    Clean  removes out/.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Faults', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'tools/BuildTasks.ps1')

switch ($Task) {
    'Clean' { Invoke-Clean }
    'Build' { Invoke-Build -Configuration $Configuration }
    'Test' {
        Invoke-Build -Configuration $Configuration
        $ok = Invoke-Test -Configuration $Configuration
        if (-not $ok) { exit 1 }
    }
    'Demo' {
        Invoke-Build -Configuration $Configuration
        Invoke-Demo
    }
    'Bench' {
        Invoke-Build -Configuration $Configuration
        Invoke-Bench
    }
    'Package' {
        Invoke-Build -Configuration $Configuration
        $null = Invoke-Package
    }
    'Faults' {
        Invoke-Build -Configuration $Configuration
        if (-not (Invoke-Faults)) { exit 1 }
    }
}
