# Set-OneMinBgConfig and Get-OneMinBgConfig: the saved configuration, its precedence, the protected key.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
    $script:Key = $Emu.ApiKey
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
            $errs = @(try { $null = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'z' -MaximumRetryCount 0 } catch { $_ })
            $viaParam = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'z' -BaseUri $Emu.ApiUri
        }
        finally { Use-Emulator $Emu }
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ServiceUnreachable,*'
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

Describe 'The saved key is never readable by others, and a change is whole or nothing (issue 10)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $env:ONEMIN_CONFIG_PATH = Join-Path $TestDrive "cfg-$([guid]::NewGuid().ToString('N'))/config.json"
        $env:ONEMIN_API_KEY = $Key
    }

    It 'shows no file in the config folder with any mode but 0600, nor the folder but 0700, while a pwsh under umask 000 saves the key' -Skip:$IsWindows {
        $folder = Split-Path $env:ONEMIN_CONFIG_PATH
        $state = [hashtable]::Synchronized(@{ Stop = $false; Seen = @{}; Folder = 0 })
        # A second thread stats everything in the folder, as fast as it can, until the save is over.
        $watcher = Start-InRunspace -Variables @{ state = $state; folder = $folder } -Script {
            function Look {
                if (-not [IO.Directory]::Exists($folder)) { return }
                $state.Folder = $state.Folder -bor [int][IO.File]::GetUnixFileMode($folder)
                foreach ($path in [IO.Directory]::GetFileSystemEntries($folder)) {
                    try { $mode = [int][IO.File]::GetUnixFileMode($path) } catch { continue } # renamed meanwhile
                    $name = [IO.Path]::GetFileName($path)
                    $state.Seen[$name] = [int]$state.Seen[$name] -bor $mode
                }
            }
            while (-not $state.Stop) { Look }
            Look
        }
        $pwsh = Get-PwshCommand
        $script = "Import-Module '$ModulePath'; Set-OneMinBgConfig -ApiKey `$env:ONEMIN_API_KEY -Quality high 3>`$null"
        try {
            $output = & /bin/sh -c 'umask 000 && exec "$@"' sh @pwsh -NoProfile -NonInteractive -Command $script 2>&1
        }
        finally {
            $state.Stop = $true
            $null = $watcher.PowerShell.EndInvoke($watcher.Async)
            $watcher.PowerShell.Dispose()
        }

        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        $state.Seen.Keys | Sort-Object | Should -Contain 'api-key'
        $state.Seen.Keys | Sort-Object | Should -Contain 'config.json'
        foreach ($name in $state.Seen.Keys) {
            [Convert]::ToString($state.Seen[$name], 8) | Should -Be '600' -Because "'$name' was seen"
        }
        [Convert]::ToString($state.Folder, 8) | Should -Be '700'
        (Get-Item -LiteralPath $folder).UnixMode | Should -Be 'drwx------'
        (Get-OneMinBgConfig).Quality | Should -Be 'high'
    }

    It 'changes nothing when -Debug under -NonInteractive stops the save at the warning''s prompt' -Skip:$IsWindows {
        Set-OneMinBgConfig -Quality low
        $output = Invoke-FreshPwsh "Import-Module '$ModulePath'; Set-OneMinBgConfig -ApiKey `$env:ONEMIN_API_KEY -Quality high -Debug"

        ($output | Out-String) | Should -Match 'NonInteractive'
        $config = Get-OneMinBgConfig
        $config.Quality | Should -Be 'low'
        $config.ApiKeyStored | Should -BeFalse
        (Get-ChildItem -LiteralPath (Split-Path $config.Path) -Force).Name | Should -Be 'config.json'
    }

    It 'keeps no part of a key the server echoes right at a cut, in errors or in the journal' {
        $errors = foreach ($padding in 285, 985) {
            # 285 puts the key across the 300-character cut of details, 985 across the 1000 of a message.
            Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'feature'; kind = 'echo-key'; padding = $padding }) }
            $null = Get-ChildItem -LiteralPath (New-Sources 1) -File |
                Invoke-BackgroundReplace -Prompt 'x' -ErrorVariable failed -ErrorAction SilentlyContinue
            $failed | Should -HaveCount 1
            $failed
        }
        $texts = @($errors | ForEach-Object { $_.ToString(); $_.Exception.ToString(); $_.Exception.ServerDetails })
        $texts += Get-Content -LiteralPath $env:ONEMIN_JOURNAL_PATH

        ($texts -join "`n") | Should -Match 'is not allowed to use this feature' -Because 'the server''s words are kept'
        ($texts -join "`n") | Should -Match ([regex]::Escape('***'))
        foreach ($text in $texts) {
            $text | Should -Not -Match ([regex]::Escape($Key.Substring(0, 4)))
            foreach ($i in 0..($Key.Length - 8)) { $text | Should -Not -Match ([regex]::Escape($Key.Substring($i, 8))) }
        }
    }
}
