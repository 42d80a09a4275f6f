# The whole pipeline (Get-ChildItem | Invoke-BackgroundReplace | Save-BgImage) under hostile conditions
# (issue 5): faults on every endpoint, the key kept out of everything, transport safety shared by every
# cmdlet that calls the service. Figures 2 and 3 are in Invoke-BackgroundReplace.Batch.Tests.ps1, 4 in
# Invoke-BackgroundReplace.Tests.ps1 and Save-BgImage.Tests.ps1; `build.ps1 -Task Faults` measures 1, 2, 3
# and 7 at scale.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # A long, distinctive key, so a hit when searching for it cannot be a coincidence.
    $script:Key = 'sk-hostile-' + [guid]::NewGuid().ToString('N') + [guid]::NewGuid().ToString('N').Substring(0, 12)
    $script:Emu = Start-OneMinEmulator -ApiKey $Key
    Use-Emulator $Emu
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'A flaky API and a flaky download host (issue 5, figure 1)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
    }

    It '300 images with 20% of API calls and 20% of downloads failing: 300 saved, each charged once, each complete' {
        $src = New-Folder
        $out = Join-Path (New-Folder) 'out'
        New-TestImage -Path $src -Count 300
        Set-OneMinEmulatorConfig $Emu @{ seed = 1; faults = Get-RecoverableFaultMix }
        $files = Get-ChildItem -LiteralPath $src -File |
            Invoke-BackgroundReplace -Prompt 'white studio backdrop' -MaximumRetryCount 10 -ErrorVariable invokeErrors -ErrorAction SilentlyContinue |
            Save-BgImage -Destination $out -MaximumRetryCount 10 -ErrorVariable saveErrors -ErrorAction SilentlyContinue
        $stats = Get-OneMinEmulatorStats $Emu

        $invokeErrors | Should -HaveCount 0
        $saveErrors | Should -HaveCount 0
        $files | Should -HaveCount 300
        $stats.charges | Should -Be 300
        $stats.featureCalls | Should -BeGreaterThan 300 -Because 'refused image calls (429, 503: not charged) were sent again'
        Get-ChargeCounts $stats | Should -HaveCount 300
        Get-ChargeCounts $stats | Sort-Object -Unique | Should -Be 1
        # The run was as hostile as claimed: about a fifth of all requests failed.
        $requests = $stats.uploads + $stats.featureCalls + $stats.resultLookups + $stats.downloads
        $stats.faultsInjected / $requests | Should -BeGreaterThan 0.15
        $stats.faultsInjected / $requests | Should -BeLessThan 0.25
        Assert-AllCompletePngs -Folder $out -Count 300
    }
}

Describe 'The key appears nowhere (issue 5, figure 5)' {
    It 'is in no output, stream, transcript, journal, saved file or exception of a run through every kind of failure, and never goes to the download host' {
        Reset-OneMinEmulator $Emu
        $journal = Use-FreshJournal
        $work = New-Folder
        $src = Join-Path $work 'src'
        New-TestImage -Path $src -Count 6
        $script = Join-Path $work 'hygiene.ps1'
        $env:HYGIENE_WORK = $work
        $env:HYGIENE_MODULE = $ModulePath
        $env:HYGIENE_TOOLS = Join-Path $RepoRoot 'tools/Emulator.psm1'
        # The child gets the key only from $env:ONEMIN_API_KEY, never on its command line or in this script.
        Set-Content -LiteralPath $script -Value @'
$ErrorActionPreference = 'Continue'
$ProgressPreference = 'SilentlyContinue'
Import-Module $env:HYGIENE_MODULE
Import-Module $env:HYGIENE_TOOLS
$emu = [pscustomobject]@{ ApiUri = [uri]$env:ONEMIN_BASE_URL }
$work = $env:HYGIENE_WORK
$src = Join-Path $work 'src'
$out = Join-Path $work 'out'
$streams = [Collections.Generic.List[object]]::new()
$null = Start-Transcript -LiteralPath (Join-Path $work 'transcript.txt')

function Step([string] $Name, [hashtable] $Config, [scriptblock] $Run) {
    Write-Host "=== $Name"
    $settings = @{ faults = @(); credits = 1000000 }
    foreach ($k in $Config.Keys) { $settings[$k] = $Config[$k] }
    Set-OneMinEmulatorConfig $emu $settings
    try { & $Run *>&1 | ForEach-Object { $streams.Add($_); $_ } | Out-Host }
    catch { $streams.Add($_); $_ | Format-List * -Force | Out-Host }
}

Describe 'Transport safety of every cmdlet that calls the service (issue 5, figure 6)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = New-Folder
    }

    Context 'a plain http:// API on another machine' {
        BeforeAll {
            # A listener on every interface, reached by a name or address that is not loopback: whether
            # anything was sent shows in whether a connection arrived.
            $script:Listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Any, 0)
            $Listener.Start()
            $address = [Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces() |
                Where-Object { $_.OperationalStatus -eq 'Up' } |
                ForEach-Object { $_.GetIPProperties().UnicastAddresses.Address } |
                Where-Object { $_.AddressFamily -eq 'InterNetwork' -and -not [Net.IPAddress]::IsLoopback($_) } |
                Select-Object -First 1
            $hostPart = if ($address) { $address.ToString() } else { [Net.Dns]::GetHostName() }
            $script:InsecureUrl = "http://${hostPart}:$($Listener.LocalEndpoint.Port)/"
        }

        AfterAll { $Listener.Stop() }

        It 'is refused with one terminating error naming the URL and -AllowInsecureHttp, sending nothing (<Command>, <Via>)' -TestCases @(
            @{ Command = 'Invoke-BackgroundReplace'; Via = '-BaseUri' }
            @{ Command = 'Invoke-BackgroundReplace'; Via = 'ONEMIN_BASE_URL' }
            @{ Command = 'Get-BgResult'; Via = '-BaseUri' }
            @{ Command = 'Save-BgImage'; Via = '-BaseUri' }
        ) {
            param($Command, $Via)
            New-TestImage -Path $Dir -Count 2
            $made = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x'
            $extra = @{}
            if ($Via -eq '-BaseUri') { $extra.BaseUri = $InsecureUrl }
            $saved = $env:ONEMIN_BASE_URL
            if ($Via -eq 'ONEMIN_BASE_URL') { $env:ONEMIN_BASE_URL = $InsecureUrl }
            try {
                $err = {
                    switch ($Command) {
                        'Invoke-BackgroundReplace' { Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'y' @extra }
                        'Get-BgResult' { $made | Get-BgResult @extra }
                        'Save-BgImage' { $made | Save-BgImage -Destination (Join-Path $Dir 'out') @extra }
                    }
                } | Should -Throw -PassThru
            }
            finally { $env:ONEMIN_BASE_URL = $saved }
            $err.FullyQualifiedErrorId | Should -BeLike 'InvalidBaseUri,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.ToString() | Should -Match ([regex]::Escape($InsecureUrl))
            $err.ToString() | Should -Match 'AllowInsecureHttp'
            $Listener.Pending() | Should -BeFalse -Because 'no connection was made to the insecure URL'
            Test-Path (Join-Path $Dir 'out') | Should -BeFalse
        }

        It 'is used when -AllowInsecureHttp says so' {
            New-TestImage -Path $Dir -Count 1
            $null = Get-ChildItem -LiteralPath $Dir -File |
                Invoke-BackgroundReplace -Prompt 'x' -BaseUri $InsecureUrl -AllowInsecureHttp -TimeoutSec 1 -MaximumRetryCount 0 -ErrorVariable errs -ErrorAction SilentlyContinue
            # The listener never answers, so the upload times out: what matters is that it was sent there.
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'Timeout,*'
            $Listener.Pending() | Should -BeTrue
            $Listener.AcceptTcpClient().Dispose()
        }
    }

    It 'follows a download redirect without the key, and never follows an API redirect' {
        New-TestImage -Path $Dir -Count 5
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'download'; kind = 'redirect' }) }
        $files = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' | Save-BgImage -Destination (Join-Path $Dir 'out')
        $files | Should -HaveCount 5
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.redirectedDownloads | Should -Be 5
        $stats.redirectedRequestsWithKey | Should -Be 0
        $stats.downloadRequestsWithKey | Should -Be 0

        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'upload'; kind = 'redirect'; count = 1 }) }
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $results | Should -HaveCount 4
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidResponse,*'
        $errs[0].ToString() | Should -Match 'redirect'
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.redirectedDownloads | Should -Be 0 -Because 'the redirected upload was not sent again anywhere'
        $stats.redirectedRequestsWithKey | Should -Be 0
    }
}
