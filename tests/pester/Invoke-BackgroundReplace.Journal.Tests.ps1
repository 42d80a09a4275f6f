# Invoke-BackgroundReplace and the journal: never pay twice, never lose a paid result (re-runs,
# recovery after a kill, two processes at once).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu

    function Invoke-Batch {
        [CmdletBinding()]
        param([string] $Source, [string] $Destination, [hashtable] $Extra = @{})
        Get-ChildItem -LiteralPath $Source -File | Invoke-BackgroundReplace -Prompt 'white studio backdrop' @Extra |
            Save-BgImage -Destination $Destination
    }

    function Get-JournalLines {
        # Every line of the journal, parsed: a corrupt line fails the test.
        Get-Content -LiteralPath $env:ONEMIN_JOURNAL_PATH | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json }
    }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Re-runs are free' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = Join-Path $TestDrive ([guid]::NewGuid())
        $script:Src = Join-Path $Dir 'src'
        $script:Out = Join-Path $Dir 'out'
        $null = New-Item -ItemType Directory -Path $Src
        New-TestImage -Path $Src -Count 3
    }

    It 'a second run of the same batch charges nothing, uploads nothing and gives the same outputs' {
        $first = Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'beach' | Sort-Object SourcePath
        $before = Get-OneMinEmulatorStats $Emu
        $second = Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'beach' -Verbose 4>&1 | Sort-Object SourcePath
        $after = Get-OneMinEmulatorStats $Emu
        $results = $second | Where-Object { $_ -is [OneMinBg.BgResult] }
        $verbose = $second | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        $after.charges | Should -Be $before.charges
        $after.uploads | Should -Be $before.uploads
        $results.Id | Should -Be $first.Id
        $results | ForEach-Object { $_.Reused | Should -BeTrue }
        $first | ForEach-Object { $_.Reused | Should -BeFalse }
        ($verbose.Message -match 'reusing result') | Should -HaveCount 3
    }

    It 'the whole pipeline run again saves nothing new and reports no error' {
        $files = Invoke-Batch $Src $Out
        $again = Invoke-Batch $Src $Out -ErrorVariable errs
        $errs | Should -HaveCount 0
        ($again.FullName | Sort-Object) | Should -Be ($files.FullName | Sort-Object)
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.charges | Should -Be 3
        $stats.downloads | Should -Be 3
    }

    It 'recognises a renamed or moved file by its content' {
        $first = Invoke-BackgroundReplace -LiteralPath (Join-Path $Src 'image1.png') -Prompt 'beach'
        $moved = Join-Path $Dir 'moved [copy].png'
        Move-Item -LiteralPath (Join-Path $Src 'image1.png') -Destination $moved
        $again = Invoke-BackgroundReplace -LiteralPath $moved -Prompt 'beach'
        $again.Reused | Should -BeTrue
        $again.Id | Should -Be $first.Id
        $again.SourcePath | Should -Be $moved
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 1
    }

    It 'charges again for an edited file, for other settings, and with -Force (<Case>)' -TestCases @(
        @{ Case = 'edited file'; Change = { param($f) New-TestImage -Path (Split-Path $f) -Count 1 -Width 80 -Height 80 -Prefix 'image' }; Extra = @{} }
        @{ Case = 'other prompt'; Change = { }; Extra = @{ Prompt = 'forest' } }
        @{ Case = 'other quality'; Change = { }; Extra = @{ Quality = 'high' } }
        @{ Case = '-Force'; Change = { }; Extra = @{ Force = $true } }
    ) {
        param($Case, $Change, $Extra)
        $file = Join-Path $Src 'image1.png'
        $first = Invoke-BackgroundReplace -LiteralPath $file -Prompt 'beach'
        & $Change $file
        $params = @{ Prompt = 'beach' }
        foreach ($k in $Extra.Keys) { $params[$k] = $Extra[$k] }
        $second = Invoke-BackgroundReplace -LiteralPath $file @params
        $second.Reused | Should -BeFalse
        $second.Id | Should -Not -Be $first.Id
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 2
    }

    It 'does not upload the same content twice, even when paying again' {
        $null = Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'beach'
        $null = Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'forest'
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.uploads | Should -Be 3
        $stats.charges | Should -Be 6
    }

    It 'says under -WhatIf which images would be reused and which sent' {
        $null = Invoke-BackgroundReplace -LiteralPath (Join-Path $Src 'image1.png') -Prompt 'beach'
        # -WhatIf writes to the host, so a real pwsh shows what a user sees.
        $lines = Invoke-FreshPwsh "Import-Module '$ModulePath'; Get-ChildItem -LiteralPath '$Src' -File | Invoke-BackgroundReplace -Prompt beach -WhatIf"
        ($lines -match 'Reuse the earlier result') | Should -HaveCount 1
        ($lines -match 'spending 1min.ai credits') | Should -HaveCount 2
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 1
    }

    It 'reads a journal whose last line was torn by a crash, and appends after it' {
        $first = Invoke-BackgroundReplace -LiteralPath (Join-Path $Src 'image1.png') -Prompt 'beach'
        [IO.File]::AppendAllText($env:ONEMIN_JOURNAL_PATH, '{"v":1,"kind":"result","finger')
        $out = Invoke-FreshPwsh "Import-Module '$ModulePath'; (Invoke-BackgroundReplace -LiteralPath '$(Join-Path $Src 'image1.png')' -Prompt beach).Reused; (Invoke-BackgroundReplace -LiteralPath '$(Join-Path $Src 'image2.png')' -Prompt beach).Reused"
        $LASTEXITCODE | Should -Be 0
        $out[-2] | Should -Be 'True'
        $out[-1] | Should -Be 'False'
        $lines = Get-Content -LiteralPath $env:ONEMIN_JOURNAL_PATH
        $lines | Where-Object { $_ -like '*"finger' } | Should -HaveCount 1
        @($lines | Select-Object -Last 1 | ConvertFrom-Json).Count | Should -Be 1
    }
}

Describe 'Recovery' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = Join-Path $TestDrive ([guid]::NewGuid())
        $script:Src = Join-Path $Dir 'src'
        $null = New-Item -ItemType Directory -Path $Src
        New-TestImage -Path $Src -Count 16
        $script:BatchScript = {
            param($Src, $Out, $Module)
            Import-Module $Module
            Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'white studio backdrop' -ThrottleLimit 4 |
                Save-BgImage -Destination $Out
        }
    }

    It 'a batch killed mid-way and run again saves every image and pays only for the ones in flight again' {
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 400 }
        $out = Join-Path $Dir 'out'
        $child = Invoke-FreshPwsh "& { $BatchScript } '$Src' '$out' '$ModulePath'" -NoWait `
            -StandardOutput (Join-Path $Dir 'child.out') -StandardError (Join-Path $Dir 'child.err')
        Wait-Until { (Get-OneMinEmulatorStats $Emu).charges -ge 6 } -Because 'the first run paid for some images'
        Stop-Process -Id $child.Id -Force
        $child.WaitForExit()
        $paidBeforeKill = (Get-OneMinEmulatorStats $Emu).charges
        $paidBeforeKill | Should -BeLessThan 16

        $files = & $BatchScript $Src $out $ModulePath 3>$null
        $files | Should -HaveCount 16
        (Get-ChildItem -LiteralPath $out -File).Count | Should -Be 16
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.charges | Should -BeLessOrEqual (16 + 4)
        $stats.chargesBySource.PSObject.Properties.Value | Measure-Object -Maximum | ForEach-Object Maximum | Should -BeLessOrEqual 2
        Get-JournalLines | Should -Not -BeNullOrEmpty
    }

    It 'two processes running the same batch at once charge each image once' {
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 200 }
        $children = foreach ($n in 1, 2) {
            Invoke-FreshPwsh "& { $BatchScript } '$Src' '$(Join-Path $Dir "out$n")' '$ModulePath'" -NoWait `
                -StandardOutput (Join-Path $Dir "child$n.out") -StandardError (Join-Path $Dir "child$n.err")
        }
        $children | ForEach-Object { $_.WaitForExit() }
        $children | ForEach-Object { $_.ExitCode | Should -Be 0 }
        (Get-ChildItem -LiteralPath (Join-Path $Dir 'out1') -File).Count | Should -Be 16
        (Get-ChildItem -LiteralPath (Join-Path $Dir 'out2') -File).Count | Should -Be 16
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.charges | Should -Be 16
        $stats.chargesBySource.PSObject.Properties.Value | Sort-Object -Unique | Should -Be 1
        $lines = Get-JournalLines
        ($lines | Where-Object kind -eq 'result') | Should -HaveCount 16
    }
}

Describe 'Unknown outcomes are resent at most once' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Src = New-Sources 3
    }

    It 'a batch whose answers are lost run five times charges each image at most twice, then -Force pays on purpose' {
        # Every image call is processed and charged, then its answer is lost (as with a kill after sending).
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'feature'; kind = 'reset-after' }) }
        $counts = foreach ($run in 1..5) {
            $null = Get-ChildItem -LiteralPath $Src -File |
                Invoke-BackgroundReplace -Prompt 'beach' -ErrorVariable errs -ErrorAction SilentlyContinue 3>$null
            $errs | Should -HaveCount 3
            $errs | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'FeatureOutcomeUnknown*' }
            $max = Get-ChargeCounts (Get-OneMinEmulatorStats $Emu) | Measure-Object -Maximum | ForEach-Object Maximum
            "run $run`: at most $max charges per image"
            $max | Should -BeLessOrEqual 2
        }
        Write-Host ($counts -join '; ') # the lead quotes these
        $last = $errs[0].Exception.Message
        $last | Should -Match 'not sent again automatically'
        $last | Should -Match '-Force'
        ([regex]::Matches($last, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ')).Count | Should -BeGreaterOrEqual 2

        Set-OneMinEmulatorConfig $Emu @{ faults = @() }
        $forced = Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'beach' -Force
        $forced | Should -HaveCount 3
        Get-ChargeCounts (Get-OneMinEmulatorStats $Emu) | Sort-Object -Unique | Should -Be 3
        $again = Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'beach'
        $again | ForEach-Object { $_.Reused | Should -BeTrue }
    }
}

BeforeDiscovery {
    # A real full disk needs a small tmpfs: Linux and the right to mount one (root in the sandbox).
    $script:CanMountTmpfs = $false
    if ($IsLinux) {
        $probe = Join-Path ([IO.Path]::GetTempPath()) ("tmpfs-probe-" + [guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $probe
        & mount -t tmpfs -o size=64k tmpfs $probe 2>$null
        if ($LASTEXITCODE -eq 0) { $script:CanMountTmpfs = $true; & umount -l $probe }
        Remove-Item -LiteralPath $probe -Force -ErrorAction SilentlyContinue
    }
}

Describe 'A paid result the journal cannot record is kept' {
    BeforeAll {
        function Start-PaidRun {
            # The batch in a runspace of this process, so the test can act while its paid call runs.
            param([string] $Src, [string] $Out, [string] $Before = '')
            Start-InRunspace -Script "$Before; Get-ChildItem -LiteralPath `$src -File | Invoke-BackgroundReplace -Prompt beach | Save-BgImage -Destination `$out" `
                -Variables @{ src = $Src; out = $Out }
        }

        function Wait-PaidCall {
            Wait-Until { (Get-OneMinEmulatorStats $Emu).currentConcurrentFeatures -ge 1 } -Because 'the paid call reached the service'
        }

        function Assert-TheNextRunReusesIt {
            param([string] $Src, $Paid)
            $again = Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'beach'
            $again.Reused | Should -BeTrue
            $again.Id | Should -Be $Paid
            (Get-OneMinEmulatorStats $Emu).charges | Should -Be 1
            Get-ChildItem -LiteralPath (Split-Path $env:ONEMIN_JOURNAL_PATH) -Filter '*.rescue' | Should -BeNullOrEmpty
            (Get-JournalLines | Where-Object { $_.kind -eq 'result' -and $_.id -eq $Paid }) | Should -Not -BeNullOrEmpty
        }
    }

    BeforeEach {
        Reset-OneMinEmulator $Emu
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 1500 }
        $null = Use-FreshJournal
        $script:Src = New-Sources 1
        $script:Out = New-Folder
    }

    AfterEach {
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 0 }
    }

    It 'another process holds the journal lock past its wait: the result is written out, saved, and reused by the next run' {
        # The lock wait is 30 s; a second is enough to show what happens after it.
        $shorten = '$null = Get-BgResult; $j = [OneMinBg.Client.Journaling.Journal]::Open($env:ONEMIN_JOURNAL_PATH); ' +
            '$j.GetType().GetProperty(''LockTimeout'', [Reflection.BindingFlags]''NonPublic,Instance'').SetValue($j, [TimeSpan]::FromSeconds(1))'
        $run = Start-PaidRun $Src $Out -Before $shorten
        Wait-PaidCall
        $lock = [IO.FileStream]::new("$env:ONEMIN_JOURNAL_PATH.lock", 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            Wait-Until { $run.PowerShell.Streams.Error.Count -ge 1 } -Because 'the result could not be recorded'
        }
        finally { $lock.Dispose() }
        $saved = $run.PowerShell.EndInvoke($run.Async)
        $error1 = $run.PowerShell.Streams.Error[0]
        $run.PowerShell.Dispose()

        $error1.FullyQualifiedErrorId | Should -BeLike 'ResultNotRecorded*'
        $error1.Exception.Message | Should -Match ([regex]::Escape("$env:ONEMIN_JOURNAL_PATH.lock"))
        $paid = $error1.Exception.Entry.RecordId
        $paid | Should -Not -BeNullOrEmpty
        $error1.ToString() | Should -Match ([regex]::Escape($paid))
        $error1.ToString() | Should -Not -Match 'Close any program'
        @($saved) | Should -HaveCount 1
        $saved[0].FullName | Should -Exist
        Assert-TheNextRunReusesIt $Src $paid
    }

    It 'the journal is deleted mid-run: the result is recorded in a new journal and reused by the next run' {
        $run = Start-PaidRun $Src $Out
        Wait-PaidCall
        Remove-Item -LiteralPath $env:ONEMIN_JOURNAL_PATH, "$env:ONEMIN_JOURNAL_PATH.lock" -Force
        $saved = $run.PowerShell.EndInvoke($run.Async)
        $run.PowerShell.Streams.Error | Should -HaveCount 0
        $run.PowerShell.Dispose()
        @($saved) | Should -HaveCount 1
        $paid = (Get-JournalLines | Where-Object kind -eq 'result').id
        Assert-TheNextRunReusesIt $Src $paid
    }

    It 'the disk of the journal is full: the result is kept in the data folder and reused once there is room' -Skip:(-not $CanMountTmpfs) {
        $disk = New-Folder
        & mount -t tmpfs -o size=256k tmpfs $disk
        $LASTEXITCODE | Should -Be 0
        $savedXdg = $env:XDG_DATA_HOME
        try {
            $env:XDG_DATA_HOME = New-Folder
            $env:ONEMIN_JOURNAL_PATH = Join-Path $disk 'journal.jsonl'
            $run = Start-PaidRun $Src $Out
            Wait-PaidCall
            # Full: a filler file takes every block left, after the journal's last page is padded with a
            # blank line (readers ignore it) so that no line fits in what is left of it.
            $length = (Get-Item -LiteralPath $env:ONEMIN_JOURNAL_PATH).Length
            [IO.File]::AppendAllText($env:ONEMIN_JOURNAL_PATH, (' ' * (4095 - $length % 4096)) + "`n")
            $filler = [IO.FileStream]::new((Join-Path $disk 'filler'), 'Create', 'Write', 'None', 1)
            foreach ($size in 65536, 4096, 1) {
                try { while ($true) { $filler.Write([byte[]]::new($size), 0, $size) } } catch [IO.IOException] { }
            }
            try { $filler.Dispose() } catch [IO.IOException] { }
            $saved = $run.PowerShell.EndInvoke($run.Async)
            $errors = @($run.PowerShell.Streams.Error)
            $run.PowerShell.Dispose()

            $notRecorded = $errors | Where-Object FullyQualifiedErrorId -like 'ResultNotRecorded*'
            $notRecorded | Should -HaveCount 1
            $paid = $notRecorded.Exception.Entry.RecordId
            $notRecorded.Exception.KeptAt | Should -BeLike "$env:XDG_DATA_HOME*"
            $notRecorded.ToString() | Should -Match ([regex]::Escape($paid))
            # Save-BgImage saved it (on another disk); only its own journal line could not be written.
            Assert-AllCompletePngs -Folder $Out -Count 1

            Remove-Item -LiteralPath (Join-Path $disk 'filler')
            Assert-TheNextRunReusesIt $Src $paid
            Get-ChildItem -LiteralPath $env:XDG_DATA_HOME -Recurse -File | Should -BeNullOrEmpty
        }
        finally {
            $env:XDG_DATA_HOME = $savedXdg
            & umount -l $disk
        }
    }
}

Describe 'Warnings, long lines and waits' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Src = New-Sources 1
    }

    It 'an image whose run ended before it was sent is sent again without a "may have been charged" warning' {
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'upload'; kind = 'reset-before' }) }
        $null = Invoke-BackgroundReplace -LiteralPath (Get-ChildItem $Src -File).FullName -Prompt beach -MaximumRetryCount 0 -ErrorAction SilentlyContinue
        Set-OneMinEmulatorConfig $Emu @{ faults = @() }
        $result = Invoke-BackgroundReplace -LiteralPath (Get-ChildItem $Src -File).FullName -Prompt beach -WarningVariable warned 3>$null
        $result.Reused | Should -BeFalse
        $warned | Should -HaveCount 0
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 1
    }

    It 'an image whose answer was lost is sent again once with a warning, and the journal says when it was sent' {
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'feature'; kind = 'reset-after'; count = 1 }) }
        $null = Invoke-BackgroundReplace -LiteralPath (Get-ChildItem $Src -File).FullName -Prompt beach -ErrorAction SilentlyContinue
        (Get-JournalLines | Where-Object kind -eq 'sent') | Should -HaveCount 1
        $result = Invoke-BackgroundReplace -LiteralPath (Get-ChildItem $Src -File).FullName -Prompt beach -WarningVariable warned 3>$null
        $result.Reused | Should -BeFalse
        $warned | Should -HaveCount 1
        "$warned" | Should -Match 'may have been charged'
    }

    It 'a journal line too long to be one of ours is skipped with one warning' {
        $first = Invoke-BackgroundReplace -LiteralPath (Get-ChildItem $Src -File).FullName -Prompt beach
        $stream = [IO.File]::Open($env:ONEMIN_JOURNAL_PATH, 'Append')
        try { $stream.Write([byte[]]::new(6MB), 0, 6MB); $stream.WriteByte(10) } finally { $stream.Dispose() }
        $out = Invoke-FreshPwsh "Import-Module '$ModulePath'; `$r = Invoke-BackgroundReplace -LiteralPath '$((Get-ChildItem $Src -File).FullName)' -Prompt beach -WarningVariable w 3>`$null; `$r.Reused; `$w.Count; `"`$w`""
        $LASTEXITCODE | Should -Be 0
        $out[-3] | Should -Be 'True'
        $out[-2] | Should -Be '1'
        $out[-1] | Should -Match 'skipped'
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 1
    }

    It 'a run waiting for another run''s claim shows it in progress and gives up after the stale-claim time' {
        # A claim of this (live) process on the image, made almost the stale-claim time ago
        # (-TimeoutSec 1 -MaximumRetryCount 0: 1 s x 2 + 5 min): the waiting run gives up a few seconds later.
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'upload'; kind = 'reset-before' }) }
        $file = (Get-ChildItem $Src -File).FullName
        $null = Invoke-BackgroundReplace -LiteralPath $file -Prompt beach -MaximumRetryCount 0 -ErrorAction SilentlyContinue
        Set-OneMinEmulatorConfig $Emu @{ faults = @() }
        $claim = Get-Content -LiteralPath $env:ONEMIN_JOURNAL_PATH | Where-Object { $_ -like '*"kind":"claim"*' } | ConvertFrom-Json -AsHashtable
        $claim.at = [DateTimeOffset]::UtcNow.AddSeconds(-299).ToString('o')
        $claim.pid = $PID
        $claim.start = (Get-Process -Id $PID).StartTime.ToUniversalTime().ToString('o')
        $claim.run = 'feedfacefeedface'
        Add-Content -LiteralPath $env:ONEMIN_JOURNAL_PATH -Value ($claim | ConvertTo-Json -Compress)

        $run = Start-InRunspace -Script 'Invoke-BackgroundReplace -LiteralPath $file -Prompt beach -TimeoutSec 1 -MaximumRetryCount 0' -Variables @{ file = $file }
        $null = $run.PowerShell.EndInvoke($run.Async)
        $errors = @($run.PowerShell.Streams.Error)
        $progress = @($run.PowerShell.Streams.Progress)
        $run.PowerShell.Dispose()

        $errors | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'HeldByOtherRun*'
        "$($errors[0])" | Should -Match 'has not finished it'
        ($progress.StatusDescription -match '1 waiting for another run') | Should -Not -BeNullOrEmpty
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 0
    }
}
