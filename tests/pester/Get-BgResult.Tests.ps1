# Get-BgResult: results looked up again by id, the journal listed and filtered (source paths resolved like
# every other path parameter, files piped in), and the history of every attempt at a request.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Get-BgResult -Id' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = Join-Path $TestDrive 'get'
        $null = New-Item -ItemType Directory -Path $Dir
        New-TestImage -Path $Dir -Count 2
        $script:Made = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x'
    }

    It 'looks results up again by id from the pipeline, with a fresh link' {
        $again = $Made | Get-BgResult
        $again | Should -HaveCount 2
        ($again.Id | Sort-Object) | Should -Be ($Made.Id | Sort-Object)
        $again | ForEach-Object { $_.TemporaryUrl | Should -Match '^http' }
        ($again.SourcePath | Sort-Object) | Should -Be ($Made.SourcePath | Sort-Object)
    }

    It 'writes a non-terminating ObjectNotFound error for an unknown id and goes on' {
        $found = Get-BgResult -Id 'no-such-id', $Made[0].Id -ErrorVariable errs -ErrorAction SilentlyContinue
        $found | Should -HaveCount 1
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ResultNotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 'no-such-id'
    }
}

Describe 'Get-BgResult lists the journal' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Src = Join-Path $TestDrive 'list'
        $null = New-Item -ItemType Directory -Path $Src
        New-TestImage -Path $Src -Count 3 -Prefix 'cat'
        New-TestImage -Path $Src -Count 1 -Prefix 'dog' -Width 70   # another size: not the same content as cat1
        $script:Start = [DateTime]::UtcNow.AddSeconds(-1)
        $null = Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'beach' -ThrottleLimit 1
        Set-OneMinEmulatorConfig $Emu @{ recordStatus = 'FAILURE' }
        $null = Invoke-BackgroundReplace -LiteralPath (Join-Path $Src 'cat1.png') -Prompt 'forest' -ErrorAction SilentlyContinue
        Set-OneMinEmulatorConfig $Emu @{ recordStatus = 'SUCCESS' }
    }

    It 'lists every request as a BgResult' {
        $all = Get-BgResult
        $all | Should -HaveCount 5
        $all | ForEach-Object { $_ | Should -BeOfType ([OneMinBg.BgResult]) }
    }

    It 'filters by status, source path and time' {
        (Get-BgResult -Status SUCCESS) | Should -HaveCount 4
        (Get-BgResult -Status FAIL*).Prompt | Should -Be 'forest'
        (Get-BgResult -SourcePath (Join-Path $Src '*dog*')).SourcePath | Should -Be (Join-Path $Src 'dog1.png')
        (Get-BgResult -Since $Start) | Should -HaveCount 5
        (Get-BgResult -Until $Start) | Should -HaveCount 0
    }

    It 'feeds Save-BgImage to save everything that succeeded' {
        $files = Get-BgResult -Status SUCCESS | Save-BgImage -Destination (Join-Path $TestDrive 'list-out')
        $files | Should -HaveCount 4
    }
}

Describe 'Get-BgResult -SourcePath and -LiteralSourcePath resolve paths like every other path parameter' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        # 'shot [1].png' and 'shot 1.png': read as a wildcard, the first name matches the second file.
        $script:Src = Join-Path $TestDrive 'paths'
        $null = New-Item -ItemType Directory -Path (Join-Path $Src 'sub')
        New-TestImage -Path $Src -Count 1 -Prefix 'a' -Width 64
        New-TestImage -Path $Src -Count 1 -Prefix 'b' -Width 66
        New-TestImage -Path (Join-Path $Src 'sub') -Count 1 -Prefix 'other' -Width 68
        New-TestImage -Path $Src -Count 1 -Prefix 'never' -Width 70
        Move-Item -LiteralPath (Join-Path $Src 'a1.png') -Destination (Join-Path $Src 'shot [1].png')
        Move-Item -LiteralPath (Join-Path $Src 'b1.png') -Destination (Join-Path $Src 'shot 1.png')
        $script:Bracketed = Join-Path $Src 'shot [1].png'
        $script:Plain = Join-Path $Src 'shot 1.png'
        $script:Other = Join-Path $Src 'sub/other1.png'
        $null = Invoke-BackgroundReplace -LiteralPath $Bracketed, $Plain, $Other -Prompt 'beach'
    }

    It 'takes a relative path from the current location, and a name with [ ] that names a file as that file' {
        Push-Location $Src
        try {
            (Get-BgResult -SourcePath 'shot [1].png').SourcePath | Should -Be $Bracketed
            (Get-BgResult -SourcePath 'shot 1.png').SourcePath | Should -Be $Plain
            (Get-BgResult -SourcePath 'shot `[1`].png').SourcePath | Should -Be $Bracketed
            (Get-BgResult -SourcePath 'shot*').SourcePath | Sort-Object | Should -Be (@($Plain, $Bracketed) | Sort-Object)
            (Get-BgResult -SourcePath './sub/*').SourcePath | Should -Be $Other
            (Get-BgResult -SourcePath '../paths/sub/other1.png').SourcePath | Should -Be $Other
            Get-BgResult -SourcePath 'sub' | Should -BeNullOrEmpty
        }
        finally { Pop-Location }
    }

    It 'matches * across folders, and not from another current location' {
        (Get-BgResult -SourcePath (Join-Path $Src '*')) | Should -HaveCount 3
        Push-Location (Join-Path $Src 'sub')
        try { Get-BgResult -SourcePath 'shot*' | Should -BeNullOrEmpty }
        finally { Pop-Location }
    }

    It 'takes -LiteralSourcePath as written, relative paths included' {
        Push-Location $Src
        try {
            (Get-BgResult -LiteralSourcePath 'shot [1].png').SourcePath | Should -Be $Bracketed
            (Get-BgResult -LP 'sub/other1.png').SourcePath | Should -Be $Other
            Get-BgResult -LiteralSourcePath 'shot*' | Should -BeNullOrEmpty
        }
        finally { Pop-Location }
    }

    It 'finds the requests of a file that was moved away since, under the path it had' {
        $moved = Join-Path $TestDrive 'moved-shot.png'
        Copy-Item -LiteralPath $Plain -Destination $moved
        Remove-Item -LiteralPath $Plain
        try { (Get-BgResult -LiteralSourcePath $Plain).SourcePath | Should -Be $Plain }
        finally { Move-Item -LiteralPath $moved -Destination $Plain }
    }

    It 'resolves PowerShell drives and ~' {
        (Get-BgResult -SourcePath 'TestDrive:/paths/sub/*').SourcePath | Should -Be $Other
        $fileSystem = Get-PSProvider FileSystem
        $home0 = $fileSystem.Home
        $fileSystem.Home = $Src
        try {
            (Get-BgResult -SourcePath '~/shot `[1`].png').SourcePath | Should -Be $Bracketed
            (Get-BgResult -LiteralSourcePath '~/sub/other1.png').SourcePath | Should -Be $Other
        }
        finally { $fileSystem.Home = $home0 }
    }

    It 'refuses a path of another provider with a non-terminating error and lists nothing for it' {
        $found = Get-BgResult -SourcePath 'Env:/PATH' -ErrorVariable errs -ErrorAction SilentlyContinue
        $found | Should -BeNullOrEmpty
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NotFileSystemPath,*'
    }

    It 'lists the requests of each file piped in from Get-ChildItem, and nothing for a file it never sent' {
        $files = Get-ChildItem -LiteralPath $Src -File -Recurse
        $files | Should -HaveCount 4
        $found = $files | Get-BgResult
        $found | Should -HaveCount 3
        $found | ForEach-Object { $_ | Should -BeOfType ([OneMinBg.BgResult]) }
        ($found.SourcePath | Sort-Object) | Should -Be (@($Bracketed, $Plain, $Other) | Sort-Object)
        (Get-Item -LiteralPath $Bracketed | Get-BgResult).SourcePath | Should -Be $Bracketed
        (Get-Item -LiteralPath (Join-Path $Src 'never1.png') | Get-BgResult -Verbose 4>&1) -join ' ' |
            Should -Match 'no request'
    }

    It 'still takes ids and BgResults from the pipeline as before' {
        $made = Get-BgResult -LiteralSourcePath $Bracketed
        ($made | Get-BgResult).Id | Should -Be $made.Id
        ($made.Id | Get-BgResult).Id | Should -Be $made.Id
    }
}

Describe 'Get-BgResult -History' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Src = Join-Path $TestDrive 'history'
        $null = New-Item -ItemType Directory -Path $Src
        New-TestImage -Path $Src -Count 1 -Prefix 'failed' -Width 64
        New-TestImage -Path $Src -Count 1 -Prefix 'lost' -Width 66
        $script:Failed = Join-Path $Src 'failed1.png'
        $script:Lost = Join-Path $Src 'lost1.png'

        # failed1.png: the upload refused with HTTP 500 (never sent, not charged); then a record that the
        # service made and failed (charged); then done on the third run.
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'upload'; kind = '500' }) }
        $null = Invoke-BackgroundReplace -LiteralPath $Failed -Prompt 'beach' -MaximumRetryCount 0 -ErrorAction SilentlyContinue
        Set-OneMinEmulatorConfig $Emu @{ faults = @(); recordStatus = 'FAILURE' }
        $script:Refused = Invoke-BackgroundReplace -LiteralPath $Failed -Prompt 'beach' -ErrorVariable refusedErr -ErrorAction SilentlyContinue
        $script:RefusedId = (Get-BgResult -LiteralSourcePath $Failed).Id
        Set-OneMinEmulatorConfig $Emu @{ recordStatus = 'SUCCESS' }
        $script:Done = Invoke-BackgroundReplace -LiteralPath $Failed -Prompt 'beach' 3>$null

        # lost1.png: charged, and the connection cut before the answer came; the next run pays again.
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'feature'; kind = 'reset-after'; count = 1 }) }
        $null = Invoke-BackgroundReplace -LiteralPath $Lost -Prompt 'beach' -ErrorAction SilentlyContinue
        $script:Again = Invoke-BackgroundReplace -LiteralPath $Lost -Prompt 'beach' 3>$null
        $script:Stats = Get-OneMinEmulatorStats $Emu
    }

    It 'shows the failed attempts before the success of the same request, with times, record ids and process' {
        $attempts = @(Get-BgResult -LiteralSourcePath $Failed -History)
        $attempts | Should -HaveCount 3
        $attempts | ForEach-Object { $_ | Should -BeOfType ([OneMinBg.BgAttempt]) }
        $attempts.Attempt | Should -Be 1, 2, 3
        $attempts.Outcome | Should -Be 'Failed', 'Failed', 'Succeeded'
        $attempts.MayHaveBeenCharged | Should -Be $false, $true, $true
        $attempts[0].FailureReason | Should -Match '500'
        $attempts[0].SentAt | Should -BeNullOrEmpty -Because 'the upload failed: the paid call was never sent'
        $attempts[0].Id | Should -BeNullOrEmpty
        $attempts[1].FailureKind | Should -Be 'FeatureFailed'
        $attempts[1].Status | Should -Be 'FAILURE'
        $attempts[1].Id | Should -Be $RefusedId
        $attempts[2].Id | Should -Be $Done.Id
        $attempts[2].Status | Should -Be 'SUCCESS'
        $attempts[1..2] | ForEach-Object { $_.SentAt | Should -BeGreaterOrEqual $_.ClaimedAt }
        foreach ($a in $attempts) {
            $a.ClaimedAt | Should -Not -BeNullOrEmpty
            $a.CompletedAt | Should -BeGreaterOrEqual $a.ClaimedAt
            $a.ProcessId | Should -Be $PID
            $a.Host | Should -Be ([Environment]::MachineName)
            $a.RunId | Should -Match '^[0-9a-f]{16}$'
            $a.SourcePath | Should -Be $Failed
            $a.Prompt | Should -Be 'beach'
        }
        $attempts[1].ClaimedAt | Should -BeGreaterOrEqual $attempts[0].CompletedAt
        $attempts[2].ClaimedAt | Should -BeGreaterOrEqual $attempts[1].CompletedAt
        ($attempts.Fingerprint | Sort-Object -Unique) | Should -HaveCount 1
        # An attempt with a record is looked up again at the service when piped back in (one at a time: the
        # lookups run concurrently and are written as they complete).
        ($attempts | Where-Object Id | Get-BgResult -ThrottleLimit 1).Id | Should -Be $RefusedId, $Done.Id
        # Without -History the request shows only its latest state.
        (Get-BgResult -LiteralSourcePath $Failed).Status | Should -Be 'SUCCESS'
    }

    It 'shows an unknown outcome that may have been charged before the paid success: the double charge is found' {
        $Stats.chargesBySource.'lost1.png' | Should -Be 2 -Because 'the emulator charged the call whose answer was lost'
        $attempts = @(Get-BgResult -LiteralSourcePath $Lost -History)
        $attempts.Outcome | Should -Be 'Unknown', 'Succeeded'
        $attempts[0].MayHaveBeenCharged | Should -BeTrue
        $attempts[0].SentAt | Should -Not -BeNullOrEmpty
        $attempts[0].Id | Should -BeNullOrEmpty
        $attempts[1].Id | Should -Be $Again.Id
    }

    It 'finds, as the help''s audit example does, every image the service charged more than once' {
        $twice = Get-ChildItem -LiteralPath $Src -File | Get-BgResult -History | Where-Object MayHaveBeenCharged |
            Group-Object Fingerprint | Where-Object Count -gt 1 | ForEach-Object { $_.Group[0].SourcePath }
        $charged = $Stats.chargesBySource.PSObject.Properties | Where-Object Value -gt 1 |
            ForEach-Object { Join-Path $Src $_.Name }
        @($charged) | Should -HaveCount 2
        ($twice | Sort-Object) | Should -Be ($charged | Sort-Object)
    }

    It 'lists every attempt of every request in order, and selects requests with the other filters' {
        $all = @(Get-BgResult -History)
        $all | Should -HaveCount 5
        ($all | Where-Object SourcePath -eq $Failed).Attempt | Should -Be 1, 2, 3
        (Get-BgResult -History -Status SUCCESS) | Should -HaveCount 5
        (Get-BgResult -History -Status FAILED) | Should -BeNullOrEmpty
        (Get-BgResult -History -SourcePath (Join-Path $Src 'lost*')).Outcome | Should -Be 'Unknown', 'Succeeded'
    }

    It 'reads at 80 columns: one table per request, every record id whole' {
        $text = Get-BgResult -History | Out-String -Width 80
        $lines = $text -split "`r?`n"
        $lines | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        # Only the request line may shorten (its source path, its prompt): no column of the table is cut.
        $lines | Where-Object { $_ -match '…' -and $_ -notmatch '^\s*Request: ' } | Should -BeNullOrEmpty
        @($lines | Where-Object { $_ -match '^\s*Request: ' }) | Should -HaveCount 2
        $text | Should -Match '\bOutcome\b.*\bCharged\b.*\bId\b'
        $text | Should -Match ([regex]::Escape($Done.Id))
        $text | Should -Match 'Unknown\s+maybe'
        $text | Should -Match 'Failed\s+no'
        $text | Should -Match 'Succeeded\s+yes'
    }

    It "cuts a long prompt so each request's line stays one line at 80 columns" {
        $long = 'white studio backdrop with a soft shadow under the product and a faint reflection'
        $null = Invoke-BackgroundReplace -LiteralPath $Failed -Prompt $long
        $text = Get-BgResult -History -SourcePath $Failed | Out-String -Width 80
        $requests = @(($text -split "`r?`n") | Where-Object { $_ -match '^\s*Request: ' })
        $requests | Should -HaveCount 2
        $requests | ForEach-Object { $_ | Should -Match '"$' -Because 'the line ends with its prompt, not wrapped' }
        # The source keeps its folder (files of one name stay apart), so the prompt gets what is left of the line.
        $requests -match '"white stud.*…"$' | Should -HaveCount 1
        $requests | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
    }
}
