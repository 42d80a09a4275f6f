# Fail fast when nothing can work: a base URL nobody answers, one whose API routes answer 404, calls that
# never get an answer, and a journal that cannot be written each stop the whole command with one
# terminating error that names the cause and the setting to change, after a bounded number of calls
# (counted on the emulator), instead of failing image by image.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
    $script:Sources = New-Sources 20

    function Get-ClosedPortUri {
        # A loopback port that nothing listens on: connections are refused.
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()
        [uri]"http://127.0.0.1:$port/"
    }

    function Invoke-Stopped {
        # Runs $Command; returns the terminating error and every error (the terminating one included).
        param([scriptblock] $Command)
        $terminating = $null
        $errors = [Collections.Generic.List[object]]::new()
        try {
            . $Command 2>&1 | ForEach-Object { if ($_ -is [Management.Automation.ErrorRecord]) { $errors.Add($_) } }
        }
        catch { $terminating = $_; $errors.Add($_) }
        [pscustomobject]@{ Terminating = $terminating; Errors = $errors.ToArray() }
    }

    function Invoke-WithJournal([string] $Command, [string] $Journal, $Results) {
        # Runs the command that writes to the journal, as a user would, with -JournalPath $Journal.
        switch ($Command) {
            'Invoke-BackgroundReplace' {
                Invoke-Stopped { Get-ChildItem -LiteralPath $Sources -File | Invoke-BackgroundReplace -Prompt 'beach' -JournalPath $Journal }
            }
            'Save-BgImage' { Invoke-Stopped { $Results | Save-BgImage -Destination (New-Folder) -JournalPath $Journal } }
            'Get-BgResult' { Invoke-Stopped { 'r-1', 'r-2' | Get-BgResult -JournalPath $Journal } }
        }
    }

    function Get-Results([int] $Count = 4, [uri] $At) {
        # Results of a real run whose links are gone, so Save-BgImage has to renew them; with -At, as if they
        # had been made by the service at that address.
        $results = @(Get-ChildItem -LiteralPath (New-Sources $Count) -File | Invoke-BackgroundReplace -Prompt 'beach')
        foreach ($result in $results) {
            $result.TemporaryUrl = $null
            if ($At) { $result.BaseUri = $At.AbsoluteUri }
        }
        $results
    }

}

BeforeDiscovery {
    # A read-only file system needs a tmpfs mounted read-only: Linux and the right to mount (root here).
    $script:CanMount = $false
    if ($IsLinux) {
        $probe = Join-Path ([IO.Path]::GetTempPath()) ("onemin-probe-" + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $probe
        & mount -t tmpfs -o ro tmpfs $probe 2>$null
        if ($LASTEXITCODE -eq 0) { $script:CanMount = $true; & umount -l $probe }
        Remove-Item -LiteralPath $probe -ErrorAction SilentlyContinue
    }
    $script:MountNote = if ($CanMount) { '' } else { ' (skipped: needs Linux and the right to mount, i.e. root)' }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'a base URL nobody answers' {
    BeforeEach { Reset-OneMinEmulator $Emu; $null = Use-FreshJournal }

    It 'connection refused: <Command> stops at once with one ServiceUnreachable error naming -BaseUri' -TestCases @(
        @{ Command = 'Invoke-BackgroundReplace' }
        @{ Command = 'Get-BgResult' }
        @{ Command = 'Save-BgImage' }
    ) {
        $closed = Get-ClosedPortUri
        $run = switch ($Command) {
            'Invoke-BackgroundReplace' {
                Invoke-Stopped { Get-ChildItem -LiteralPath $Sources -File |
                        Invoke-BackgroundReplace -Prompt 'beach' -BaseUri $closed }
            }
            'Get-BgResult' { Invoke-Stopped { 'r-1', 'r-2', 'r-3', 'r-4', 'r-5' | Get-BgResult -BaseUri $closed } }
            'Save-BgImage' {
                $results = Get-Results -At $closed
                Invoke-Stopped { $results | Save-BgImage -Destination (New-Folder) -BaseUri $closed }
            }
        }

        $run.Terminating | Should -Not -BeNullOrEmpty
        $run.Terminating.FullyQualifiedErrorId | Should -BeLike 'ServiceUnreachable,*'
        $run.Terminating.CategoryInfo.Category | Should -Be 'ConnectionError'
        $run.Errors | Should -HaveCount 1 -Because 'the command stops once, not once per input'
        "$($run.Terminating)" | Should -Match ([regex]::Escape("nothing at $closed has answered"))
        "$($run.Terminating)" | Should -Match '-BaseUri'
        "$($run.Terminating)" | Should -Match 'ONEMIN_BASE_URL'
        "$($run.Terminating)" | Should -Match '-Proxy'
        "$($run.Terminating)" | Should -Match 'tried 2 times|not tried again' -Because 'a refused connection is retried once, not at length'
    }

    It 'no such host (.invalid): Invoke-BackgroundReplace stops with one ServiceUnreachable error' {
        $run = Invoke-Stopped {
            Get-ChildItem -LiteralPath $Sources -File | Invoke-BackgroundReplace -Prompt 'beach' -BaseUri 'https://onemin-bg.invalid/'
        }

        $run.Terminating.FullyQualifiedErrorId | Should -BeLike 'ServiceUnreachable,*'
        $run.Errors | Should -HaveCount 1
        "$($run.Terminating)" | Should -Match 'onemin-bg\.invalid'
        "$($run.Terminating)" | Should -Match 'Nothing was sent|-BaseUri'
    }

    It 'a wrong base path, whose routes answer 404: <Command> stops after at most one call per slot' -TestCases @(
        @{ Command = 'Invoke-BackgroundReplace'; CallsPerItem = 1 }
        @{ Command = 'Get-BgResult'; CallsPerItem = 2 }
        @{ Command = 'Save-BgImage'; CallsPerItem = 2 }
    ) {
        $wrong = [uri]::new($Emu.ApiUri, 'v1/')
        $results = if ($Command -eq 'Save-BgImage') { Get-Results 6 -At $wrong }
        $before = (Get-OneMinEmulatorStats $Emu).requests
        $run = switch ($Command) {
            'Invoke-BackgroundReplace' {
                Invoke-Stopped { Get-ChildItem -LiteralPath $Sources -File |
                        Invoke-BackgroundReplace -Prompt 'beach' -BaseUri $wrong -ThrottleLimit 2 }
            }
            'Get-BgResult' {
                Invoke-Stopped { 'r-1', 'r-2', 'r-3', 'r-4', 'r-5', 'r-6' | Get-BgResult -BaseUri $wrong -ThrottleLimit 2 }
            }
            'Save-BgImage' {
                Invoke-Stopped { $results | Save-BgImage -Destination (New-Folder) -BaseUri $wrong -ThrottleLimit 2 }
            }
        }
        $stats = Get-OneMinEmulatorStats $Emu

        $run.Terminating.FullyQualifiedErrorId | Should -BeLike 'ServiceUnreachable,*'
        $run.Errors | Should -HaveCount 1
        "$($run.Terminating)" | Should -Match '404'
        "$($run.Terminating)" | Should -Match ([regex]::Escape("is not at $wrong"))
        "$($run.Terminating)" | Should -Match '-BaseUri'
        ($stats.requests - $before) | Should -BeLessOrEqual (2 * $CallsPerItem) -Because 'no item starts after the first 404s (-ThrottleLimit 2)'
        $stats.featureCalls | Should -Be ($(if ($Command -eq 'Save-BgImage') { 6 } else { 0 })) -Because 'nothing is charged at a wrong path'
    }

    It 'every call reset without an answer: the batch stops after the first 3 failures, not one by one' {
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'api'; kind = 'reset-before'; rate = 1 }) }

        $run = Invoke-Stopped {
            Get-ChildItem -LiteralPath $Sources -File |
                Invoke-BackgroundReplace -Prompt 'beach' -ThrottleLimit 2 -MaximumRetryCount 1
        }
        $stats = Get-OneMinEmulatorStats $Emu

        $run.Terminating.FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
        "$($run.Terminating)" | Should -Match 'Nothing at the base URL has answered this command yet'
        "$($run.Terminating)" | Should -Match '-BaseUri'
        $run.Errors.Count | Should -BeLessOrEqual 3 -Because 'the third call without an answer stops the batch'
        # 3 failed items, plus at most one more started in the other slot, each tried twice.
        $stats.uploads | Should -BeLessOrEqual 8
        $stats.featureCalls | Should -Be 0
    }

    It 'a service that answers is not given up on: one reset upload is retried and the batch succeeds' {
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'upload'; kind = 'reset-before'; rate = 1; count = 2 }) }

        $results = @(Get-ChildItem -LiteralPath (New-Sources 3) -File | Invoke-BackgroundReplace -Prompt 'beach' -ErrorVariable errs)

        $errs | Should -HaveCount 0
        $results | Should -HaveCount 3
    }
}

Describe 'a journal that cannot be written' {
    BeforeEach { Reset-OneMinEmulator $Emu }

    It 'stops <Command> at once with JournalUnavailable when <Case>, naming the cause' -TestCases @(
        foreach ($command in 'Invoke-BackgroundReplace', 'Save-BgImage', 'Get-BgResult') {
            @{ Command = $command; Case = 'a folder is at the journal''s path'; Setup = 'Folder'; Cause = 'is a folder, not a file' }
            @{ Command = $command; Case = 'a parent of the journal is a file'; Setup = 'ParentFile'; Cause = 'is a file, so the folder' }
        }
    ) {
        $journal = switch ($Setup) {
            'Folder' { (New-Folder) }
            'ParentFile' {
                $file = Join-Path (New-Folder) 'not-a-folder'
                Set-Content -LiteralPath $file 'x'
                Join-Path $file 'sub/journal.jsonl'
            }
        }
        $results = if ($Command -eq 'Save-BgImage') { Get-Results 2 }
        $before = (Get-OneMinEmulatorStats $Emu).requests

        $run = Invoke-WithJournal $Command $journal $results

        $run.Terminating.FullyQualifiedErrorId | Should -BeLike 'JournalUnavailable,*'
        $run.Errors | Should -HaveCount 1
        "$($run.Terminating)" | Should -Match ([regex]::Escape($Cause))
        "$($run.Terminating)" | Should -Match '-JournalPath'
        "$($run.Terminating)" | Should -Match 'ONEMIN_JOURNAL_PATH'
        "$($run.Terminating)" | Should -Not -Match 'another (run|process)|access is denied'
        ((Get-OneMinEmulatorStats $Emu).requests - $before) | Should -Be 0 -Because 'nothing is sent before the journal is known to work'
    }

    It "stops <Command> at once when the journal's file system is read-only$MountNote" -Skip:(-not $CanMount) -TestCases @(
        @{ Command = 'Invoke-BackgroundReplace' }
        @{ Command = 'Save-BgImage' }
        @{ Command = 'Get-BgResult' }
    ) {
        $disk = New-Folder
        & mount -t tmpfs -o ro tmpfs $disk
        try {
            $journal = Join-Path $disk 'journal.jsonl'
            $results = if ($Command -eq 'Save-BgImage') { Get-Results 2 }
            $before = (Get-OneMinEmulatorStats $Emu).requests

            $run = Invoke-WithJournal $Command $journal $results

            $run.Terminating.FullyQualifiedErrorId | Should -BeLike 'JournalUnavailable,*'
            $run.Errors | Should -HaveCount 1
            "$($run.Terminating)" | Should -Match 'read-only file system'
            "$($run.Terminating)" | Should -Match '-JournalPath'
            "$($run.Terminating)" | Should -Not -Match 'another (run|process)|waiting'
            ((Get-OneMinEmulatorStats $Emu).requests - $before) | Should -Be 0
        }
        finally { & umount -l $disk }
    }

    It "a read-only journal file stops the batch before anything is sent, and can still be listed$MountNote" -Skip:(-not $CanMount) {
        $journal = Use-FreshJournal
        $null = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'beach'
        # A read-only bind mount of the file itself: root is not stopped by chmod.
        & mount --bind $journal $journal
        & mount -o remount,ro,bind $journal
        try {
            $before = (Get-OneMinEmulatorStats $Emu).requests

            $run = Invoke-Stopped { Get-ChildItem -LiteralPath $Sources -File | Invoke-BackgroundReplace -Prompt 'beach' }
            $listed = @(Get-BgResult)

            $run.Terminating.FullyQualifiedErrorId | Should -BeLike 'JournalUnavailable,*'
            "$($run.Terminating)" | Should -Match ([regex]::Escape("'$journal' is on a read-only file system"))
            ((Get-OneMinEmulatorStats $Emu).requests - $before) | Should -Be 0
            $listed | Should -HaveCount 1 -Because 'reading a read-only journal needs no write'
        }
        finally { & umount -l $journal }
    }

    It 'a journal on a read-only file system can still be listed' -Skip:(-not $CanMount) {
        $disk = New-Folder
        & mount -t tmpfs -o ro tmpfs $disk
        try {
            { Get-BgResult -JournalPath (Join-Path $disk 'journal.jsonl') } | Should -Not -Throw
        }
        finally { & umount -l $disk }
    }
}
