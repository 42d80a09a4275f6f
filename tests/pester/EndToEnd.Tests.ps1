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

Step 'flaky API and downloads' @{ seed = 5; faults = @(
        @{ endpoint = 'upload'; kind = '503'; rate = 0.3 }
        @{ endpoint = 'feature'; kind = '429'; rate = 0.3; retryAfter = '0' }
        @{ endpoint = 'feature'; kind = 'reset-after'; count = 1 }
        @{ endpoint = 'download'; kind = 'redirect'; count = 2 }
        @{ endpoint = 'download'; kind = 'truncated'; count = 1 }
        @{ endpoint = 'download'; kind = '403'; count = 1 }
        @{ endpoint = 'result'; kind = 'malformed-json'; count = 1 }
    ) } {
    Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'studio' -Verbose -Debug -MaximumRetryCount 10 |
        Save-BgImage -Destination $out -Verbose -Debug -MaximumRetryCount 10
}
Step 'a server that echoes the key' @{ faults = @(@{ endpoint = 'api'; kind = 'echo-key' }) } {
    Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'forest' -Verbose -Debug
    Get-BgResult -Id 'no-such-record' -Verbose -Debug
}
Step 'look-ups and the journal' @{} {
    $ids = (Get-BgResult -Status SUCCESS).Id
    Get-BgResult -Id $ids -Verbose -Debug | Format-List *
    Get-BgResult -Id 'no-such-record' -Verbose -Debug
    Get-BgResult -Verbose -Debug | Format-List *
    Get-BgResult -Status SUCCESS | Save-BgImage -Destination $out -Verbose -Debug
}
Step 'bad files' @{} {
    Invoke-BackgroundReplace -LiteralPath (Join-Path $src 'missing.png'), (Join-Path $work 'hygiene.ps1') -Prompt 'x' -Verbose -Debug
}
Step 'a broken connection to the API' @{ faults = @(@{ endpoint = 'api'; kind = 'reset-before' }) } {
    Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'desert' -MaximumRetryCount 1 -Verbose -Debug
}
Step 'nobody listening' @{} {
    $free = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $free.Start(); $port = $free.LocalEndpoint.Port; $free.Stop()
    Get-ChildItem -LiteralPath $src -File | Select-Object -First 2 |
        Invoke-BackgroundReplace -Prompt 'canyon' -BaseUri "http://127.0.0.1:$port/" -MaximumRetryCount 1 -Verbose -Debug
}
Step 'the key passed as a SecureString' @{} {
    Get-ChildItem -LiteralPath $src -File | Select-Object -First 1 |
        Invoke-BackgroundReplace -Prompt 'meadow' -ApiKey (ConvertTo-SecureString $env:ONEMIN_API_KEY -AsPlainText -Force) -Verbose -Debug
}
Step 'an insecure base URL' @{} {
    Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'x' -BaseUri 'http://api.example.invalid/' -Verbose -Debug
}
Step 'the key revoked' @{ faults = @(@{ endpoint = 'api'; kind = '401' }) } {
    Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'snow' -Force -Verbose -Debug
}
Step 'out of credits' @{ credits = 0 } {
    Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'rain' -Force -Verbose -Debug
}
$null = Stop-Transcript

# Everything PowerShell knows about every error, as a user would dig into it.
$dump = foreach ($e in $Error) {
    $e.Exception.ToString()
    $e | Format-List * -Force | Out-String -Width 4096
    $e.Exception | Format-List * -Force | Out-String -Width 4096
    $e.InvocationInfo | Format-List * | Out-String -Width 4096
    $e | ConvertTo-Json -Depth 2 -WarningAction SilentlyContinue
}
$dump += $streams | ForEach-Object { if ($_ -is [Management.Automation.ErrorRecord]) { $_.ToString() } else { $_ | Format-List * -Force | Out-String -Width 4096 } }
Set-Content -LiteralPath (Join-Path $work 'dump.txt') -Value $dump
@{
    Verbose = @($streams | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Count
    Debug = @($streams | Where-Object { $_ -is [Management.Automation.DebugRecord] }).Count
    Errors = $Error.Count
    Ids = @($Error | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] } | Sort-Object -Unique)
} | ConvertTo-Json -Compress
'@
        try {
            $lines = Invoke-FreshPwsh "& '$script'"
        }
        finally { Remove-Item Env:HYGIENE_WORK, Env:HYGIENE_MODULE, Env:HYGIENE_TOOLS -ErrorAction SilentlyContinue }
        $summary = $lines | Select-Object -Last 1 | ConvertFrom-Json
        $stats = Get-OneMinEmulatorStats $Emu

        # The scenarios ran: verbose and debug streams, every kind of error, and the key really in use.
        $summary.Verbose | Should -BeGreaterThan 20
        $summary.Debug | Should -BeGreaterThan 20
        foreach ($id in 'FeatureOutcomeUnknown', 'ApiRejected', 'ResultNotFound', 'FileNotFound', 'NotAnImage', 'ServiceUnreachable', 'InvalidBaseUri', 'AuthenticationFailed', 'InsufficientCredits') {
            $summary.Ids | Should -Contain $id
        }
        # Six images; one lost to the reset after it was sent, the rest saved despite the download faults.
        @(Get-ChildItem -LiteralPath (Join-Path $work 'out') -File) | Should -HaveCount 5
        $stats.requestsWithKey | Should -BeGreaterThan 0
        $stats.redirectedDownloads | Should -BeGreaterThan 0

        # 0 requests carried the key to the download host, or to where it redirected.
        $stats.downloadRequestsWithKey | Should -Be 0
        $stats.redirectedRequestsWithKey | Should -Be 0

        # 0 hits: the whole key, or a distinctive 16-character piece of it, in any text or any file left behind.
        $pieces = @($Key, $Key.Substring(14, 16))
        $texts = @{ 'child output' = ($lines -join "`n") }
        $files = @(Get-ChildItem -LiteralPath $work -Recurse -File -Force) +
            @(Get-ChildItem -LiteralPath (Split-Path $journal) -Filter ((Split-Path $journal -Leaf) + '*') -File -Force)
        $files | Should -Not -BeNullOrEmpty
        foreach ($file in $files) { $texts[$file.FullName] = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($file.FullName)) }
        (Get-Item -LiteralPath (Join-Path $work 'transcript.txt')).Length | Should -BeGreaterThan 1000
        $hits = foreach ($name in $texts.Keys) { foreach ($piece in $pieces) { if ($texts[$name].Contains($piece)) { $name } } }
        $hits | Should -BeNullOrEmpty
    }
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
