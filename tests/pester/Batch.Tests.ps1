# The batch engine: concurrency, retries, charged calls never resent, out of credits, Ctrl+C, progress.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Invoke-BackgroundReplace in batches' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = Join-Path $TestDrive ([guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $Dir
    }

    It 'keeps -ThrottleLimit images in flight, never more, and emits every result exactly once' {
        New-TestImage -Path $Dir -Count 40
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 300 }
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 8
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.maxConcurrentFeatures | Should -Be 8
        $results | Should -HaveCount 40
        ($results.SourcePath | Sort-Object -Unique) | Should -HaveCount 40
        ($results.Id | Sort-Object -Unique) | Should -HaveCount 40
        $stats.charges | Should -Be 40
    }

    It 'starts work as input arrives, before the input ends' {
        New-TestImage -Path $Dir -Count 3
        $files = Get-ChildItem -LiteralPath $Dir -File
        # The producer waits until the first image was charged before it sends the next ones: with
        # collect-then-run this would never finish.
        $emu = $Emu
        $producer = {
            $files[0]
            Wait-Until { (Get-OneMinEmulatorStats $emu).charges -ge 1 } -Because 'the first image was sent while input was still coming' -TimeoutSec 30
            $files[1..2]
        }
        $results = & $producer | Invoke-BackgroundReplace -Prompt 'x'
        $results | Should -HaveCount 3
    }

    It 'retries 429 and 503 answers until every image is done, charging each once' {
        New-TestImage -Path $Dir -Count 20
        Set-OneMinEmulatorConfig $Emu @{ seed = 7; faults = @(
                @{ endpoint = 'feature'; kind = '429'; rate = 0.3; retryAfter = '0' }
                @{ endpoint = 'upload'; kind = '503'; rate = 0.3 }
            ) }
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -MaximumRetryCount 10 -ErrorVariable errs
        $errs | Should -HaveCount 0
        $results | Should -HaveCount 20
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.faultsInjected | Should -BeGreaterThan 0
        $stats.charges | Should -Be 20
        $stats.chargesBySource.PSObject.Properties.Value | Sort-Object -Unique | Should -Be 1
    }

    It 'never resends an image call whose outcome is unknown (<Kind>), and reports it as possibly charged' -TestCases @(
        @{ Kind = 'reset-after' }, @{ Kind = '500' }, @{ Kind = '502' }, @{ Kind = '504' }, @{ Kind = '522' }
    ) {
        param($Kind)
        New-TestImage -Path $Dir -Count 4
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'feature'; kind = $Kind; skip = 1; count = 1 }) }
        $results = Get-ChildItem -LiteralPath $Dir -File |
            Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $results | Should -HaveCount 3
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'FeatureOutcomeUnknown,*'
        $errs[0].ToString() | Should -Match 'charged'
        $errs[0].TargetObject | Should -Be (Join-Path $Dir 'image2.png')
        (Get-OneMinEmulatorStats $Emu).featureCalls | Should -Be 4
    }

    It 'stops the whole batch at once with one error when credits run out, sending nothing more' {
        New-TestImage -Path $Dir -Count 10
        Set-OneMinEmulatorConfig $Emu @{ credits = 30; creditCost = 10 }
        $results = [Collections.Generic.List[object]]::new()
        $err = { Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 1 | ForEach-Object { $results.Add($_) } } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InsufficientCredits,*'
        $err.CategoryInfo.Category | Should -Be 'QuotaExceeded'
        $err.ToString() | Should -Match 'credits'
        $results | Should -HaveCount 3
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.featureCalls | Should -Be 4
        $stats.uploads | Should -Be 4
    }

    It 'writes progress while it waits, and none under $ProgressPreference = SilentlyContinue' {
        New-TestImage -Path $Dir -Count 4
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 700 }
        $shown = Start-InRunspace -Script "Get-ChildItem -LiteralPath '$Dir' -File | Invoke-BackgroundReplace -Prompt x -ThrottleLimit 2"
        $null = $shown.PowerShell.EndInvoke($shown.Async)
        $silent = Start-InRunspace -Script "`$ProgressPreference = 'SilentlyContinue'; Get-ChildItem -LiteralPath '$Dir' -File | Invoke-BackgroundReplace -Prompt x -ThrottleLimit 2"
        $null = $silent.PowerShell.EndInvoke($silent.Async)
        $shown.PowerShell.Streams.Progress.Count | Should -BeGreaterThan 0
        $shown.PowerShell.Streams.Progress[0].StatusDescription | Should -Match 'in flight'
        $silent.PowerShell.Streams.Progress.Count | Should -Be 0
        $shown.PowerShell.Dispose(); $silent.PowerShell.Dispose()
    }
}

Describe 'Stopping a batch (Ctrl+C)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = Join-Path $TestDrive ([guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $Dir
    }

    It 'cancels downloads in flight and leaves no file, partial or whole' {
        New-TestImage -Path $Dir -Count 4
        $made = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x'
        $dest = Join-Path $Dir 'out'
        Set-OneMinEmulatorConfig $Emu @{ downloadLatencyMs = 60000 }
        $run = Start-InRunspace -Script 'param() $made | Save-BgImage -Destination $dest' -Variables @{ made = $made; dest = $dest }
        Wait-Until { (Get-OneMinEmulatorStats $Emu).downloads -ge 4 } -Because 'all four downloads are in flight'
        $stop = $run.PowerShell.BeginStop($null, $null)
        $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30)) | Should -BeTrue -Because 'Stop() returns while downloads are still being served'
        $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        @(Get-ChildItem -LiteralPath $dest -Force -ErrorAction SilentlyContinue) | Should -HaveCount 0
        $run.PowerShell.Dispose()
    }

    It 'cancels image calls in flight and sends no more' {
        New-TestImage -Path $Dir -Count 10
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 60000 }
        $run = Start-InRunspace -Script "Get-ChildItem -LiteralPath '$Dir' -File | Invoke-BackgroundReplace -Prompt x -ThrottleLimit 3"
        Wait-Until { (Get-OneMinEmulatorStats $Emu).currentConcurrentFeatures -ge 3 } -Because 'three image calls are in flight'
        $stop = $run.PowerShell.BeginStop($null, $null)
        $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30)) | Should -BeTrue
        $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        Wait-Until { (Get-OneMinEmulatorStats $Emu).currentConcurrentFeatures -eq 0 } -Because 'the client closed its calls'
        (Get-OneMinEmulatorStats $Emu).featureCalls | Should -Be 3
        $run.PowerShell.Dispose()
    }
}
