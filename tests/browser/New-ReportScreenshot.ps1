<#
Makes docs/report.png, the README's picture of Export-BgReport: a small real batch against the emulator (six
product photos in two folders, one the service fails, one reused from the journal), saved with Save-BgImage,
reported, and shot in headless Chromium at 1280 pixels wide. Run it on the built module after a change to the
page (times show in the local zone; the README's picture was made with TZ=America/New_York):
  TZ=America/New_York dotnet pwsh -NoProfile -File tests/browser/New-ReportScreenshot.ps1
#>
[CmdletBinding()]
param([string] $OutFile = (Join-Path $PSScriptRoot '../../docs/report.png'))
$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
Import-Module (Join-Path $root 'tools/Emulator.psm1') -Force
Import-Module (Join-Path $root 'out/OneMinBg') -Force
Import-Module (Join-Path $PSScriptRoot 'Chromium.psm1') -Force

$work = Join-Path ([IO.Path]::GetTempPath()) "onemin-report-$([guid]::NewGuid().ToString('N'))"
$emulator = Start-OneMinEmulator
$browser = $null
try {
    $env:ONEMIN_BASE_URL = $emulator.ApiUri.AbsoluteUri
    $env:ONEMIN_API_KEY = $emulator.ApiKey
    $env:ONEMIN_REQUESTS_PER_MINUTE = '0'
    $env:ONEMIN_CONFIG_PATH = Join-Path $work 'config.json'
    $env:ONEMIN_JOURNAL_PATH = Join-Path $work 'journal.jsonl'
    $catalog = Join-Path $work 'catalog'
    $names = @{ shoes = 'red sneaker', 'trail boot', 'sandal [summer]'; bags = 'tote #2', 'backpack', 'clutch' }
    $i = 0
    foreach ($folder in 'shoes', 'bags') {
        $dir = Join-Path $catalog $folder
        $null = New-Item -ItemType Directory -Path $dir -Force
        foreach ($name in $names[$folder]) {
            $i++
            # make-images writes solid colours by index: one image each, so every photo has its own colour.
            $tmp = Join-Path $work "tmp$i"
            New-TestImage -Path $tmp -Count $i -Width (360 + 40 * ($i % 3)) -Height 360 -Prefix 'p'
            Move-Item -LiteralPath (Join-Path $tmp "p$i.png") -Destination (Join-Path $dir "$name.png")
            Remove-Item -LiteralPath $tmp -Recurse
        }
    }
    $photos = @(Get-ChildItem -LiteralPath $catalog -Recurse -File | Sort-Object FullName)
    $prompt = 'white studio backdrop, soft shadow'
    # One the service fails; one done on an earlier run, so this run reuses it.
    Set-OneMinEmulatorConfig $emulator @{ recordStatus = 'FAILURE' }
    $null = $photos[1] | Invoke-BackgroundReplace -Prompt $prompt -Size 1024x1024 -ErrorAction SilentlyContinue
    Set-OneMinEmulatorConfig $emulator @{ recordStatus = 'SUCCESS' }
    $null = $photos[4] | Invoke-BackgroundReplace -Prompt $prompt -Size 1024x1024 -Quality high
    $results = @($photos | Where-Object { $_ -ne $photos[1] } |
        Invoke-BackgroundReplace -Prompt $prompt -Size 1024x1024 -Quality high)
    $saved = @($results | Save-BgImage -Destination (Join-Path $work 'catalog-out') -RelativeTo $catalog)
    $report = Join-Path $work 'report.html'
    @(Get-BgResult | Where-Object Status -NE 'SUCCESS') + $results + $saved |
        Export-BgReport -Path $report -Title 'Catalog, night of 1 December'

    $browser = Start-Chromium -Width 1280 -Height 900
    Open-Page $browser $report
    $check = Test-PageImages $browser
    if (@($check.Broken).Count) { throw "Broken pictures: $($check.Broken -join ', ')" }
    Save-PageScreenshot $browser $OutFile
    Write-Host "$OutFile ($($check.Total) pictures, all decoded; $($check.Placeholders) placeholder(s))"
}
finally {
    Stop-Chromium $browser
    $emulator | Stop-OneMinEmulator
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:ONEMIN_BASE_URL, Env:ONEMIN_API_KEY, Env:ONEMIN_REQUESTS_PER_MINUTE, Env:ONEMIN_CONFIG_PATH,
        Env:ONEMIN_JOURNAL_PATH -ErrorAction SilentlyContinue
}
