# Shared set-up for the Pester suites: the built module (never the sources), the emulator tools
# (tools/Emulator.psm1, with Invoke-FreshPwsh for a fresh pwsh), and the environment that points the
# module at an emulator.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
$script:ModulePath = Join-Path $RepoRoot 'out/OneMinBg'
Import-Module (Join-Path $RepoRoot 'tools/Emulator.psm1') -Force
Import-Module $ModulePath -Force

function Use-Emulator {
    # Points the module at $Emulator through the documented environment variables.
    param($Emulator)
    $env:ONEMIN_BASE_URL = $Emulator.ApiUri.AbsoluteUri
    $env:ONEMIN_API_KEY = $Emulator.ApiKey
    # The client-side limit (180/min by default) would only slow the suite down; the tests that
    # are about pacing set it themselves.
    $env:ONEMIN_REQUESTS_PER_MINUTE = '0'
    # Never the user's real saved configuration: each suite starts with none.
    $env:ONEMIN_CONFIG_PATH = Join-Path $TestDrive "config-$([guid]::NewGuid().ToString('N'))/config.json"
    Use-FreshJournal
}

function Use-FreshJournal {
    # Each test gets its own journal, so one test's results are never reused by another.
    $env:ONEMIN_JOURNAL_PATH = Join-Path $TestDrive "journal-$([guid]::NewGuid().ToString('N')).jsonl"
    $env:ONEMIN_JOURNAL_PATH
}

function Clear-EmulatorEnvironment {
    Remove-Item Env:ONEMIN_BASE_URL, Env:ONEMIN_API_KEY, Env:ONEMIN_REQUESTS_PER_MINUTE, Env:ONEMIN_JOURNAL_PATH,
        Env:ONEMIN_CONFIG_PATH -ErrorAction SilentlyContinue
}

function Wait-Until {
    # Waits for a condition (not for a time): polls it, and fails with $Because after $TimeoutSec.
    param(
        [Parameter(Mandatory)] [scriptblock] $Condition,
        [Parameter(Mandatory)] [string] $Because,
        [int] $TimeoutSec = 60
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSec s waiting until $Because" }
        [Threading.Thread]::Sleep(20)
    }
}

function Start-InRunspace {
    # Starts a script in a new runspace of this process with the module loaded, so a test can
    # Stop() it the way Ctrl+C does and read its streams. One script, not a batch of statements: a
    # stopped batch goes on to its next statement on a pool thread, which fails (and ends this process)
    # once the runspace is disposed.
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Variables = @{})
    $ps = [powershell]::Create()
    foreach ($name in $Variables.Keys) { $ps.Runspace.SessionStateProxy.SetVariable($name, $Variables[$name]) }
    $null = $ps.AddScript("Import-Module '$ModulePath'").AddCommand('Out-Null')
    $null = $ps.Invoke()
    $ps.Commands.Clear()
    $null = $ps.AddScript($Script)
    [pscustomobject]@{ PowerShell = $ps; Async = $ps.BeginInvoke() }
}

function Stop-SuiteEmulator {
    # A suite's AfterAll: forget the emulator's settings, then stop it.
    param($Emulator)
    Clear-EmulatorEnvironment
    if ($Emulator) { $Emulator | Stop-OneMinEmulator }
}

function New-Folder {
    # A new, empty folder in the test drive.
    $dir = Join-Path $TestDrive ([guid]::NewGuid())
    $null = New-Item -ItemType Directory -Path $dir
    $dir
}

function New-Sources([int] $Count = 2) {
    # A new folder with $Count test images.
    $dir = Join-Path $TestDrive ([guid]::NewGuid())
    $null = New-Item -ItemType Directory -Path $dir
    New-TestImage -Path $dir -Count $Count
    $dir
}

function Assert-AllCompletePngs {
    # Every file in $Folder is a whole PNG of the size asked for, and there are $Count of them.
    param([string] $Folder, [int] $Count, [int] $Width = 1024, [int] $Height = 1024)
    $files = @(Get-ChildItem -LiteralPath $Folder -Force)
    $files | Should -HaveCount $Count
    foreach ($file in $files) {
        $file.Name | Should -BeLike '*_bg.png'   # no temporary .partial file left
        $facts = Get-PngInfo $file.FullName
        $facts.Png | Should -BeTrue -Because "$($file.Name) is a PNG"
        $facts.Complete | Should -BeTrue -Because "$($file.Name) ends with IEND at its last byte"
        "$($facts.Width)x$($facts.Height)" | Should -Be "${Width}x${Height}" -Because "$($file.Name) has the size asked for"
    }
}

function Get-ChargeCounts {
    # How often the emulator charged each source image.
    param($Stats)
    @($Stats.chargesBySource.PSObject.Properties.Value)
}
