# build.ps1 -Task Demo, dot-sourced by tools/OneMinBg.build.ps1.

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

    $environment = @{
        ONEMIN_DEMO_SAMPLES = $samples; ONEMIN_DEMO_SAVED = $saved; ONEMIN_DEMO_MODULE = $ModuleOut
    }
    $emulator = $null
    if (-not $env:ONEMIN_API_KEY) {
        $emulator = Start-OneMinEmulator -LatencyMs 300
        Write-Host "No ONEMIN_API_KEY: using the local emulator at $($emulator.ApiUri)" -ForegroundColor Yellow
        $environment.ONEMIN_BASE_URL = $emulator.ApiUri.AbsoluteUri
        $environment.ONEMIN_API_KEY = $emulator.ApiKey
        # Emulator records do not belong in the user's own journal.
        $environment.ONEMIN_JOURNAL_PATH = Join-Path $demo 'journal.jsonl'
    }
    $script = @'
$ErrorActionPreference = 'Stop'
Import-Module $env:ONEMIN_DEMO_MODULE
$results = Get-ChildItem -LiteralPath $env:ONEMIN_DEMO_SAMPLES -File |
    Invoke-BackgroundReplace -Prompt 'white studio backdrop, soft shadow'
$results | Format-Table -AutoSize | Out-Host
$results | Save-BgImage -Destination $env:ONEMIN_DEMO_SAVED |
    Format-Table Name, Length, LastWriteTime -AutoSize | Out-Host
'@
    try {
        Invoke-FreshPwsh $script -Environment $environment | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
        Write-Host "Saved images are in $saved" -ForegroundColor Green
    }
    finally {
        if ($emulator) { $emulator | Stop-OneMinEmulator }
    }
}
