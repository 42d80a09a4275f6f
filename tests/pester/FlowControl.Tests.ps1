# Flow control against a service that enforces its rate limit (issue 14): processes on one key share its budget,
# and a service stricter than the setting slows a batch down without failing an image. These wait for real
# one-minute windows, so each is sized to take about a minute; they assert counts, never times.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
    # The shared budget file lives in the user's data folder: this suite's own, shared by its processes.
    $script:SavedDataHome = $env:XDG_DATA_HOME
    $env:XDG_DATA_HOME = Join-Path $TestDrive 'data'

    function Start-Batch([string] $Folder, [string] $Journal, [int] $PerMinute) {
        # One more command on the key, in a process of its own, as an overlapping scheduled task would be.
        $script = "Import-Module '$ModulePath'; " +
            "`$r = Get-ChildItem -LiteralPath '$Folder' -File | Invoke-BackgroundReplace -Prompt 'x' -ErrorVariable e -ErrorAction SilentlyContinue; " +
            "'done=' + @(`$r).Count; 'failed=' + @(`$e).Count; foreach (`$x in `$e) { 'error=' + `$x }"
        $out = Join-Path $TestDrive "$([guid]::NewGuid().ToString('N')).out"
        $process = Invoke-FreshPwsh $script -NoWait -StandardOutput $out -StandardError "$out.err" -Environment @{
            ONEMIN_JOURNAL_PATH = $Journal; ONEMIN_REQUESTS_PER_MINUTE = $PerMinute
        }
        [pscustomobject]@{ Process = $process; Out = $out }
    }

    function Receive-Batch($Batch) {
        $Batch.Process.WaitForExit()
        $lines = @(Get-Content -LiteralPath $Batch.Out) + @(Get-Content -LiteralPath "$($Batch.Out).err")
        [pscustomobject]@{
            Done   = [int](($lines | Where-Object { $_ -like 'done=*' }) -replace '^done=')
            Failed = [int](($lines | Where-Object { $_ -like 'failed=*' }) -replace '^failed=')
            Text   = $lines -join "`n"
        }
    }
}

AfterAll {
    $env:XDG_DATA_HOME = $SavedDataHome
    Stop-SuiteEmulator $Emu
}

Describe 'Flow control on one key' {
    BeforeEach { Reset-OneMinEmulator $Emu }

    It 'two overlapping processes share the key''s limit: 0 failed, each image charged once, no 429' {
        # 90 a minute, told to both: 2 x 30 images = 120 requests, which only fit if the two take turns (each
        # at 90 a minute on its own would send 180 in the first minute, and half would be refused).
        Set-OneMinEmulatorConfig $Emu @{ rateLimitPerMinute = 90; rateLimitRetryAfter = $false }
        $first = New-Folder; New-TestImage -Path $first -Count 30 -Width 64
        $second = New-Folder; New-TestImage -Path $second -Count 30 -Width 66
        $batches = @(
            Start-Batch $first (Join-Path $TestDrive 'first.jsonl') 90
            Start-Batch $second (Join-Path $TestDrive 'second.jsonl') 90
        )
        $results = @($batches | ForEach-Object { Receive-Batch $_ })

        foreach ($result in $results) {
            $result.Failed | Should -Be 0 -Because $result.Text
            $result.Done | Should -Be 30 -Because $result.Text
        }
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.charges | Should -Be 60
        @($stats.chargesBySha256.PSObject.Properties.Value | Sort-Object -Unique) | Should -Be @(1)
        # Timing on a busy machine may let a request arrive a moment early; unshared, dozens would be refused.
        $stats.rateLimited | Should -BeLessOrEqual 2
    }

    It 'a service that allows far fewer requests than the setting, without Retry-After, fails no image' {
        # Told 180 a minute; the service takes 20 and says nothing of when to come back. 12 images need 24
        # requests: the last ones wait for the service's minute to pass, however many times they are refused.
        Set-OneMinEmulatorConfig $Emu @{ rateLimitPerMinute = 20; rateLimitRetryAfter = $false }
        $dir = New-Folder; New-TestImage -Path $dir -Count 12
        $env:ONEMIN_REQUESTS_PER_MINUTE = '180'
        try {
            $results = Get-ChildItem -LiteralPath $dir -File |
                Invoke-BackgroundReplace -Prompt 'x' -ErrorVariable errs -ErrorAction SilentlyContinue
        }
        finally { $env:ONEMIN_REQUESTS_PER_MINUTE = '0' }

        $errs | Should -HaveCount 0
        $results | Should -HaveCount 12
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.rateLimited | Should -BeGreaterThan 0 -Because 'the service refused requests'
        $stats.charges | Should -Be 12
        @($stats.chargesBySha256.PSObject.Properties.Value | Sort-Object -Unique) | Should -Be @(1)
    }
}
