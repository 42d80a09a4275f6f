# Settings: each parameter set offers only what it uses, and every setting (and the completers)
# follows one precedence: parameter, environment variable, saved configuration, built-in default.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
    $script:Key = $Emu.ApiKey
    $script:Connection = 'ApiKey', 'BaseUri', 'Proxy', 'ProxyCredential', 'AllowInsecureHttp', 'TimeoutSec',
        'MaximumRetryCount', 'RequestsPerMinute', 'ThrottleLimit'

    function New-Sources([int] $Count = 1) {
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $dir
        New-TestImage -Path $dir -Count $Count
        $dir
    }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Get-BgResult parameter sets' {
    BeforeEach { Reset-OneMinEmulator $Emu; $null = Use-FreshJournal }

    It 'offers no connection parameter when listing the journal, and all of them with -Id' {
        $sets = @{}
        foreach ($set in (Get-Command Get-BgResult).ParameterSets) { $sets[$set.Name] = @($set.Parameters.Name) }
        $sets.Keys | Sort-Object | Should -Be 'Id', 'Journal', 'LiteralJournal'
        foreach ($name in $Connection) {
            $sets['Journal'] | Should -Not -Contain $name -Because "listing the journal never calls the service"
            $sets['LiteralJournal'] | Should -Not -Contain $name -Because "listing the journal never calls the service"
            $sets['Id'] | Should -Contain $name
        }
        $sets['Journal'] | Should -Contain 'JournalPath'
        $sets['LiteralJournal'] | Should -Contain 'JournalPath'
        $sets['Id'] | Should -Contain 'JournalPath'
    }

    It 'refuses a connection parameter with the listing filters (<Parameter>)' -TestCases @(
        @{ Parameter = 'ApiKey'; Value = 'x' }
        @{ Parameter = 'ThrottleLimit'; Value = 2 }
        @{ Parameter = 'RequestsPerMinute'; Value = 0 }
    ) {
        param($Parameter, $Value)
        $extra = @{ $Parameter = $Value }
        $err = { Get-BgResult -Status SUCCESS @extra } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmbiguousParameterSet,*'
    }

    It 'takes -ApiKey alone as the -Id set, which then lacks its -Id' {
        $script = "Import-Module '$ModulePath'; try { Get-BgResult -ApiKey x } catch { `$_.FullyQualifiedErrorId }"
        $out = Invoke-FreshPwsh $script
        "$out" | Should -BeLike 'MissingMandatoryParameter,*'
    }

    It 'still takes every connection parameter with -Id' {
        $made = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'x'
        Remove-Item Env:ONEMIN_API_KEY, Env:ONEMIN_BASE_URL
        try {
            $found = Get-BgResult -Id $made.Id -ApiKey $Key -BaseUri $Emu.ApiUri -TimeoutSec 30 -MaximumRetryCount 0 `
                -RequestsPerMinute 0 -ThrottleLimit 1 -AllowInsecureHttp
        }
        finally { Use-Emulator $Emu }
        $found.Id | Should -Be $made.Id
        $found.Status | Should -Be 'SUCCESS'
    }

    It 'lists the journal with no key and no reachable service' {
        $made = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'x'
        Remove-Item Env:ONEMIN_API_KEY
        $env:ONEMIN_BASE_URL = 'http://127.0.0.1:9/'
        try { $listed = Get-BgResult -Status SUCCESS }
        finally { Use-Emulator $Emu }
        $listed.Id | Should -Be $made.Id
    }
}

Describe 'Setting precedence' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        Use-Emulator $Emu
    }

    It 'stops on a rate in ONEMIN_REQUESTS_PER_MINUTE that is not a whole number, unless -RequestsPerMinute is given' {
        $file = (Get-ChildItem -LiteralPath (New-Sources 1) -File).FullName
        $env:ONEMIN_REQUESTS_PER_MINUTE = 'fast'
        try {
            $err = { Invoke-BackgroundReplace -LiteralPath $file -Prompt 'x' } | Should -Throw -PassThru
            $viaParam = Invoke-BackgroundReplace -LiteralPath $file -Prompt 'x' -RequestsPerMinute 0
        }
        finally { Use-Emulator $Emu }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidRequestsPerMinute,*'
        $err.ToString() | Should -Match "ONEMIN_REQUESTS_PER_MINUTE holds 'fast'"
        $viaParam.Status | Should -Be 'SUCCESS'
    }

    It 'names the saved configuration when its BaseUri is not a URL' {
        $config = New-Item -ItemType File -Path $env:ONEMIN_CONFIG_PATH -Force
        Set-Content -LiteralPath $config '{ "baseUri": "not a url" }'
        Remove-Item Env:ONEMIN_BASE_URL
        try { $err = { Test-OneMinBgConnection } | Should -Throw -PassThru }
        finally { Use-Emulator $Emu }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidBaseUri,*'
        $err.ToString() | Should -Match 'The saved configuration \(.*config\.json\) holds ''not a url'''
    }

    It 'applies the saved size, and a parameter over it' {
        # -LiteralPath, not piped files: on Linux and macOS a FileInfo's Size property binds to -Size.
        Set-OneMinBgConfig -Size 1024x1536
        $one = (Get-ChildItem -LiteralPath (New-Sources 1) -File).FullName
        $other = (Get-ChildItem -LiteralPath (New-Sources 1) -File).FullName
        $saved = Invoke-BackgroundReplace -LiteralPath $one -Prompt x
        $given = Invoke-BackgroundReplace -LiteralPath $other -Prompt x -Size 1536x1024
        $saved.Size | Should -Be '1024x1536'
        $given.Size | Should -Be '1536x1024'
    }

    It 'completes from the saved journal when no -JournalPath and no ONEMIN_JOURNAL_PATH are given' {
        $journal = Join-Path $TestDrive "saved-journal-$([guid]::NewGuid().ToString('N')).jsonl"
        Set-OneMinBgConfig -JournalPath $journal
        Remove-Item Env:ONEMIN_JOURNAL_PATH
        try {
            $r = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'saved journal'
            $line = 'Get-BgResult -Id '
            $ids = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.ListItemText
            $line = 'Invoke-BackgroundReplace -Prompt saved'
            $prompts = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.ListItemText
        }
        finally { Use-Emulator $Emu }
        Test-Path -LiteralPath $journal | Should -BeTrue
        $ids | Should -Contain $r.Id
        $prompts | Should -Contain 'saved journal'
    }

    It 'completes from -JournalPath over ONEMIN_JOURNAL_PATH' {
        $other = Join-Path $TestDrive "other-$([guid]::NewGuid().ToString('N')).jsonl"
        $r = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'x' -JournalPath $other
        $line = "Get-BgResult -JournalPath '$other' -Id "
        $withPath = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.ListItemText
        $line = 'Get-BgResult -Id '
        $withEnv = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.ListItemText
        $withPath | Should -Contain $r.Id
        $withEnv | Should -Not -Contain $r.Id
    }
}

Describe 'Messages about settings name what a user types' {
    BeforeEach { Reset-OneMinEmulator $Emu; $null = Use-FreshJournal }

    It 'a base URL without its scheme (<Where>) is InvalidBaseUri, shows it with https://, and sends nothing' -TestCases @(
        @{ Where = 'parameter' }
        @{ Where = 'environment' }
        @{ Where = 'Set-OneMinBgConfig' }
    ) {
        $bare = 'api.1min.ai'
        $file = (Get-ChildItem -LiteralPath (New-Sources 1) -File).FullName
        try {
            $err = switch ($Where) {
                'parameter' { { Invoke-BackgroundReplace -LiteralPath $file -Prompt 'x' -BaseUri $bare } | Should -Throw -PassThru }
                'environment' {
                    $env:ONEMIN_BASE_URL = $bare
                    { Invoke-BackgroundReplace -LiteralPath $file -Prompt 'x' } | Should -Throw -PassThru
                }
                'Set-OneMinBgConfig' { { Set-OneMinBgConfig -BaseUri $bare } | Should -Throw -PassThru }
            }
        }
        finally { Use-Emulator $Emu }

        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidBaseUri,*'
        "$err" | Should -Match ([regex]::Escape("for example https://$bare"))
        "$err" | Should -Not -Match 'relative URI'
        (Get-OneMinEmulatorStats $Emu).requests | Should -Be 0
        if ($Where -eq 'Set-OneMinBgConfig') { (Get-OneMinBgConfig).BaseUri | Should -BeNullOrEmpty }
    }

    It 'plain http to another machine names -AllowInsecureHttp, once' {
        $err = { Get-BgResult -Id 'r-1' -BaseUri 'http://api.example.com/' } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidBaseUri,*'
        "$err" | Should -Match '-AllowInsecureHttp'
        "$err" | Should -Not -Match 'set AllowInsecureHttp|\(Parameter'
        ([regex]::Matches("$err", 'AllowInsecureHttp')).Count | Should -Be 1
    }

    It 'no key names Set-OneMinBgConfig -ApiKey, the way for scheduled tasks, next to the variable' {
        Remove-Item Env:ONEMIN_API_KEY
        try { $err = { Get-BgResult -Id 'r-1' } | Should -Throw -PassThru }
        finally { Use-Emulator $Emu }

        $err.FullyQualifiedErrorId | Should -BeLike 'ApiKeyMissing,*'
        "$err" | Should -Match 'Set-OneMinBgConfig -ApiKey'
        "$err" | Should -Match 'ONEMIN_API_KEY'
    }

    It 'a path on another provider is named in plain English' {
        $null = Invoke-BackgroundReplace -LiteralPath 'Env:\PATH' -Prompt 'x' -ErrorVariable errs -ErrorAction SilentlyContinue

        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NotFileSystemPath,*'
        "$($errs[0])" | Should -Match 'is on the Environment provider'
        "$($errs[0])" | Should -Not -Match ' a Environment'
    }
}
