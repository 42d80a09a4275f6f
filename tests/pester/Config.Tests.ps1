# Feels native: saved configuration and its precedence, protected key, connection test, proxy,
# batch summary for scheduled tasks, default views, tab completion.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
    $script:Key = $Emu.ApiKey

    function New-Sources([int] $Count = 2) {
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $dir
        New-TestImage -Path $dir -Count $Count
        $dir
    }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Set-OneMinBgConfig and Get-OneMinBgConfig' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $env:ONEMIN_CONFIG_PATH = Join-Path $TestDrive "cfg-$([guid]::NewGuid().ToString('N'))/config.json"
        $env:ONEMIN_API_KEY = $Key
    }

    It 'keeps the key out of the config file, in a file only the user can read, and a batch uses it' {
        Set-OneMinBgConfig -ApiKey $Key -BaseUri $Emu.ApiUri 3>$null
        $config = Get-OneMinBgConfig
        $config.ApiKeyStored | Should -BeTrue
        $config.ApiKeyStorage | Should -Match 'readable only by you'
        $config.BaseUri | Should -Be $Emu.ApiUri.AbsoluteUri
        Get-Content -LiteralPath $config.Path -Raw | Should -Not -Match ([regex]::Escape($Key))
        $keyFile = Join-Path (Split-Path $config.Path) 'api-key'
        (Get-Item -LiteralPath $keyFile).UnixMode | Should -Be '-rw-------'
        ($config | Out-String) | Should -Not -Match ([regex]::Escape($Key))

        Remove-Item Env:ONEMIN_API_KEY, Env:ONEMIN_BASE_URL
        try { $result = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'x' }
        finally { Use-Emulator $Emu }
        $result.Status | Should -Be 'SUCCESS'
    }

    It 'says that the key file is not encrypted' {
        Set-OneMinBgConfig -ApiKey $Key -WarningVariable warned 3>$null
        $warned | Should -HaveCount 1
        $warned[0].Message | Should -Match 'not encrypted'
    }

    It 'takes the parameter over the environment over the saved config' {
        Set-OneMinBgConfig -BaseUri 'http://127.0.0.1:9/' -Quality high
        # The environment (set by Use-Emulator) wins over the saved dead URL; the saved quality applies.
        $r = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'x'
        $r.Quality | Should -Be 'high'
        $r2 = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'y' -Quality low
        $r2.Quality | Should -Be 'low'
        Remove-Item Env:ONEMIN_BASE_URL
        try {
            $null = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'z' -MaximumRetryCount 0 -ErrorVariable errs -ErrorAction SilentlyContinue
            $viaParam = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'z' -BaseUri $Emu.ApiUri
        }
        finally { Use-Emulator $Emu }
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
        $viaParam.Status | Should -Be 'SUCCESS'
    }

    It 'reads the key from a SecretManagement secret when one is named' {
        function global:Get-Secret { param($Name, [switch] $AsPlainText) if ($Name -eq 'onemin') { $script:Key } else { throw "no secret $Name" } }
        $script:Key = $Key
        try {
            Set-OneMinBgConfig -ApiKeySecretName 'onemin'
            (Get-OneMinBgConfig).ApiKeyStorage | Should -Be 'SecretManagement'
            Remove-Item Env:ONEMIN_API_KEY
            (Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'x').Status | Should -Be 'SUCCESS'
        }
        finally { Remove-Item Function:\Get-Secret; $env:ONEMIN_API_KEY = $Key }
    }

    It 'says what to install when the named secret needs SecretManagement and it is missing' {
        Set-OneMinBgConfig -ApiKeySecretName 'onemin'
        Remove-Item Env:ONEMIN_API_KEY
        try { $err = { Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'x' } | Should -Throw -PassThru }
        finally { $env:ONEMIN_API_KEY = $Key }
        $err.FullyQualifiedErrorId | Should -BeLike 'SecretManagementMissing,*'
        $err.ToString() | Should -Match 'SecretManagement'
    }

    It 'writes nothing with -WhatIf, and -Reset removes everything' {
        Set-OneMinBgConfig -ThrottleLimit 4 -WhatIf
        Test-Path $env:ONEMIN_CONFIG_PATH | Should -BeFalse
        Set-OneMinBgConfig -ApiKey $Key -ThrottleLimit 4 3>$null
        (Get-OneMinBgConfig).ThrottleLimit | Should -Be 4
        Set-OneMinBgConfig -Reset
        $after = Get-OneMinBgConfig
        $after.ApiKeyStored | Should -BeFalse
        $after.ThrottleLimit | Should -BeNullOrEmpty
    }

    It 'uses the saved throttle limit' {
        Set-OneMinBgConfig -ThrottleLimit 2
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 200 }
        $null = Get-ChildItem -LiteralPath (New-Sources 6) -File | Invoke-BackgroundReplace -Prompt 'x'
        (Get-OneMinEmulatorStats $Emu).maxConcurrentFeatures | Should -Be 2
    }
}

Describe 'Test-OneMinBgConnection' {
    BeforeEach { Reset-OneMinEmulator $Emu; $null = Use-FreshJournal }

    It 'reports a working connection, and the credits the service last reported' {
        $null = Get-ChildItem -LiteralPath (New-Sources 2) -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 1
        $test = Test-OneMinBgConnection
        $test.Reachable | Should -BeTrue
        $test.KeyAccepted | Should -BeTrue
        $stats = Get-OneMinEmulatorStats $Emu
        $test.UsedCredit | Should -BeGreaterThan 0
        $test.RemainingCredit | Should -Be ($test.CreditLimit - $test.UsedCredit)
        $test.CreditsAsOf | Should -BeOfType ([datetime])
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

Describe 'Scheduled tasks, views and completion' {
    BeforeEach { Reset-OneMinEmulator $Emu; $null = Use-FreshJournal }

    It 'sets -SummaryVariable to counts a task can act on' {
        $dir = New-Sources 2
        Set-Content -LiteralPath (Join-Path $dir 'bad.png') -Value 'not an image'
        $null = Get-ChildItem -LiteralPath $dir -File | Invoke-BackgroundReplace -Prompt 'x' -SummaryVariable first -ErrorAction SilentlyContinue
        $first.Succeeded | Should -Be 2
        $first.Failed | Should -Be 1
        $first.Reused | Should -Be 0
        $first.Total | Should -Be 3
        $first.UsedCredit | Should -BeGreaterThan 0
        $null = Get-ChildItem -LiteralPath $dir -File -Filter 'image*' | Invoke-BackgroundReplace -Prompt 'x' -SummaryVariable second
        $second.Reused | Should -Be 2
        $second.Succeeded | Should -Be 2
        $second.Failed | Should -Be 0
    }

    It 'makes the process exit non-zero when an item failed, as the README shows' {
        $dir = New-Sources 1
        Set-Content -LiteralPath (Join-Path $dir 'bad.png') -Value 'not an image'
        $null = Invoke-FreshPwsh "Import-Module '$ModulePath'; Get-ChildItem -LiteralPath '$dir' -File | Invoke-BackgroundReplace -Prompt x -SummaryVariable s -ErrorAction SilentlyContinue | Out-Null; if (`$s.Failed) { exit 1 }"
        $LASTEXITCODE | Should -Be 1
    }

    It 'shows the columns a person wants in the default table' {
        $r = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'x'
        $table = $r | Format-Table | Out-String -Width 250
        $table | Should -Match 'Status\s+Reused\s+Size\s+Quality\s+Source\s+Id\s+Prompt'
        $table | Should -Match 'image1\.png'
        ($r | Format-List | Out-String) | Should -Match 'ResultKeys'
    }

    It 'completes -Id from the journal and -Prompt from recent prompts' {
        $r = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'sunset over the harbour'
        $ids = (TabExpansion2 -inputScript 'Get-BgResult -Id ' -cursorColumn 'Get-BgResult -Id '.Length).CompletionMatches.ListItemText
        $ids | Should -Contain $r.Id
        $prompts = (TabExpansion2 -inputScript 'Invoke-BackgroundReplace -Prompt sun' -cursorColumn 'Invoke-BackgroundReplace -Prompt sun'.Length).CompletionMatches.ListItemText
        $prompts | Should -Contain 'sunset over the harbour'
    }
}
