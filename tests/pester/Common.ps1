# Shared set-up for the Pester suites: the built module (never the sources), the emulator tools,
# and the environment that points the module at an emulator.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
$script:ModulePath = Join-Path $RepoRoot 'out/OneMinBg'
Import-Module (Join-Path $RepoRoot 'tools/Emulator.psm1') -Force
Import-Module $ModulePath -Force

function Use-Emulator {
    # Points the module at $Emulator through the documented environment variables.
    param($Emulator)
    $env:ONEMIN_BASE_URL = $Emulator.ApiUri.AbsoluteUri
    $env:ONEMIN_API_KEY = $Emulator.ApiKey
}

function Clear-EmulatorEnvironment {
    Remove-Item Env:ONEMIN_BASE_URL, Env:ONEMIN_API_KEY -ErrorAction SilentlyContinue
}

function Invoke-FreshPwsh {
    # Runs a script in a new pwsh -NoProfile and returns its output lines; the exit code is in $LASTEXITCODE.
    param([Parameter(Mandatory)] [string] $Script)
    $pwsh = Get-PwshCommand
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $Script 2>&1
}
