# Test-OneMinBgConnection: reachability, the key, credits, proxies.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
    $script:Key = $Emu.ApiKey
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Test-OneMinBgConnection' {
    BeforeEach { Reset-OneMinEmulator $Emu; $null = Use-FreshJournal }

    It 'reports a working connection, and the credits the service last reported' {
        $null = Get-ChildItem -LiteralPath (New-Sources 2) -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 1
        $test = Test-OneMinBgConnection
        $test.Reachable | Should -BeTrue
        $test.KeyAccepted | Should -BeTrue
        $stats = Get-OneMinEmulatorStats $Emu
        $test.TeamCreditsUsed | Should -BeGreaterThan 0
        $test.TeamCreditsRemaining | Should -Be ($test.TeamCreditLimit - $test.TeamCreditsUsed)
        $test.CreditsAsOf | Should -BeOfType ([DateTimeOffset])
        $stats.charges | Should -Be 2
    }

    It 'reports a rejected key (<Name>)' -TestCases @(@{ Name = 'wrong key' }) {
        $test = Test-OneMinBgConnection -ApiKey 'not-the-key-at-all'
        $test.Reachable | Should -BeTrue
        $test.KeyAccepted | Should -BeFalse
        $test.Message | Should -Not -Match 'not-the-key-at-all'
    }

    It 'reports an unreachable service' {
        $test = Test-OneMinBgConnection -BaseUri 'http://127.0.0.1:9/' -MaximumRetryCount 0
        $test.Reachable | Should -BeFalse
    }

    It 'answers with a timeout of its own (10 s, one retry) when something accepts the connection and never answers' {
        # A listener that is never accepted from: the OS completes the connection, nothing ever answers.
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $test = Test-OneMinBgConnection -BaseUri "http://127.0.0.1:$($listener.LocalEndpoint.Port)/"
        }
        finally { $listener.Stop() }
        $test.Reachable | Should -BeFalse
        $test.Message | Should -Match 'no answer within 10\.0 s \(tried 2 times\)'
        $test.Message | Should -Match '-TimeoutSec allows more'
    }

    It 'waits -TimeoutSec for each attempt' {
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'result'; kind = 'slow'; delayMs = 60000 }) }
        $test = Test-OneMinBgConnection -TimeoutSec 2 -MaximumRetryCount 0
        $test.Reachable | Should -BeFalse
        $test.Message | Should -Match 'no answer within 2\.0 s \(tried once\)'
        $test.Message | Should -Not -Match '-TimeoutSec allows more' -Because 'the user chose the timeout'
    }

    It 'reports a rate-limited service as reachable with the key accepted, without waiting the limit out' {
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'result'; kind = '429' }) }
        $test = Test-OneMinBgConnection -TimeoutSec 1
        $test.Reachable | Should -BeTrue
        $test.KeyAccepted | Should -BeTrue
        $test.Message | Should -Match 'HTTP 429'
    }

    It 'honours HTTP_PROXY and NO_PROXY from the environment (<Case>)' -TestCases @(
        @{ Case = 'proxied'; NoProxy = ''; Expected = 'True' }
        @{ Case = 'NO_PROXY bypasses it'; NoProxy = 'api.onemin.invalid'; Expected = 'False' }
    ) {
        param($Case, $NoProxy, $Expected)
        # .NET reads these once per process, so the check runs in a fresh pwsh that inherits them.
        $env:HTTP_PROXY = $Emu.ApiUri.AbsoluteUri
        $env:NO_PROXY = $NoProxy
        try {
            $out = Invoke-FreshPwsh "Import-Module '$ModulePath'; (Test-OneMinBgConnection -BaseUri 'http://api.onemin.invalid/' -AllowInsecureHttp -MaximumRetryCount 0).KeyAccepted"
        }
        finally { Remove-Item Env:HTTP_PROXY, Env:NO_PROXY -ErrorAction SilentlyContinue }
        @($out)[-1] | Should -Be $Expected
    }

    It 'goes through -Proxy (the host name below only resolves through the proxy)' {
        $test = Test-OneMinBgConnection -BaseUri 'http://api.onemin.invalid/' -Proxy $Emu.ApiUri -AllowInsecureHttp -MaximumRetryCount 0
        $test.KeyAccepted | Should -BeTrue
        $direct = Test-OneMinBgConnection -BaseUri 'http://api.onemin.invalid/' -AllowInsecureHttp -MaximumRetryCount 0
        $direct.Reachable | Should -BeFalse
    }
}
