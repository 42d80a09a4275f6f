# A stop never pays twice (issue 12 item 4): Select-Object -First, PowerShell.Stop() and the end of a
# pwsh -File script leave the image calls already with the service to finish; their results are journaled
# and the next run (in the same session, or in another process, started before or after they are back)
# reuses them. Each test stops a 24-image batch with calls in flight, runs it again, and counts what the
# emulator received: 24 image calls and 24 charges, no more.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu

    function Set-SlowCalls([int] $Skip, [int] $Count) {
        # Image calls $Skip+1 .. $Skip+$Count take 10 s (long enough to be with the service at the stop,
        # whatever the machine's load); the others answer at once.
        Set-OneMinEmulatorConfig $Emu @{
            faults = @(@{ endpoint = 'feature'; kind = 'slow'; skip = $Skip; count = $Count; delayMs = 10000 })
        }
    }

    function Assert-EachPaidOnce([int] $Images) {
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.featureCalls | Should -Be $Images -Because 'no image call was sent twice'
        $stats.charges | Should -Be $Images
    }

    function Get-BatchScript([string] $Dir, [int] $Throttle = 16) {
        "Import-Module '$ModulePath'; Get-ChildItem -LiteralPath '$Dir' -File |" +
            " Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit $Throttle"
    }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Stopping a batch (issue 12: a stop never pays twice)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = New-Sources -Count 24
        $script:Files = @(Get-ChildItem -LiteralPath $Dir -File | Sort-Object Name)
    }

    It 'Select-Object -First 3 sends nothing more, says how many are with the service, and a re-run in the same session waits for them' {
        Set-SlowCalls -Skip 1 -Count 14
        # The batch's first call goes alone and answers at once; then 14 are sent (and held by the service)
        # before the next two, which answer at once: the three results that end the batch.
        $gate = {
            $Files[0]
            Wait-Until { (Get-OneMinEmulatorStats $Emu).charges -eq 1 } -Because 'the first call is answered'
            $Files[1..14]
            Wait-Until { (Get-OneMinEmulatorStats $Emu).featureCalls -eq 15 } -Because '14 calls are out'
            $Files[15..23]
        }
        $three = & $gate | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 16 -WarningVariable warned |
            Select-Object -First 3

        $three | Should -HaveCount 3
        # The first, the 14 held and the fast ones sent before the third result came back (two, or three when
        # a fast one's slot was taken again first): nothing after the stop.
        $sent = (Get-OneMinEmulatorStats $Emu).featureCalls
        $sent | Should -BeIn @(17, 18) -Because 'nothing more was sent after the stop'
        "$warned" | Should -Match '1[45] images already with the service were not abandoned' # 15 when a fast one was still out
        "$warned" | Should -Match 'journal'

        # At once, while the 14 are still out: this run waits for them and reuses them.
        $all = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 16
        $all | Should -HaveCount 24
        @($all | Where-Object Reused) | Should -HaveCount $sent
        Assert-EachPaidOnce 24
    }

    It 'PowerShell.Stop() returns with the calls still out, and a run in another process waits for them' {
        Set-SlowCalls -Skip 12 -Count 4
        $run = Start-InRunspace -Script (Get-BatchScript $Dir -Throttle 4)
        Wait-Until { $s = Get-OneMinEmulatorStats $Emu; $s.featureCalls -eq 16 -and $s.charges -eq 12 } `
            -Because 'four calls are with the service half-way through'

        $run.PowerShell.Stop()

        $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        (Get-OneMinEmulatorStats $Emu).currentConcurrentRequests | Should -Be 4 -Because 'the stop abandoned no call'
        "$($run.PowerShell.Streams.Warning)" | Should -Match '4 images already with the service'
        $run.PowerShell.Dispose()

        # A new process, started while the four are still out: their claims are held by this live process.
        $out = Invoke-FreshPwsh "$(Get-BatchScript $Dir) | ForEach-Object { 'RESULT ' + `$_.Reused }"
        $LASTEXITCODE | Should -Be 0 -Because "$out"
        @($out -match '^RESULT') | Should -HaveCount 24
        @($out -match '^RESULT True') | Should -HaveCount 16
        Assert-EachPaidOnce 24
    }

    It 'a pwsh -File script that ends right after Select-Object -First waits for the calls it left, so a re-run pays for the rest only' {
        Set-SlowCalls -Skip 1 -Count 14
        $stats = [uri]::new($Emu.ApiUri, '_emulator/stats').AbsoluteUri
        $script = Join-Path $TestDrive "first-two-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -LiteralPath $script -Value @"
Import-Module '$ModulePath'
`$files = @(Get-ChildItem -LiteralPath '$Dir' -File | Sort-Object Name)
`$gate = {
    `$files[0]
    while ((Invoke-RestMethod '$stats').charges -lt 1) { Start-Sleep -Milliseconds 20 }
    `$files[1..14]
    while ((Invoke-RestMethod '$stats').featureCalls -lt 15) { Start-Sleep -Milliseconds 20 }
    `$files[15..23]
}
& `$gate | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 16 | Select-Object -First 3 | ForEach-Object { 'RESULT' }
"@
        $pwsh = Get-PwshCommand
        $said = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $script 2>&1 |
            ForEach-Object { "$_" }
        $LASTEXITCODE | Should -Be 0
        @($said -match '^RESULT') | Should -HaveCount 3
        "$said" | Should -Match '1[45] images already with the service'
        $charged = (Get-OneMinEmulatorStats $Emu).charges
        $charged | Should -BeIn @(17, 18) -Because 'the process waited for its calls before it ended'

        $out = Invoke-FreshPwsh "$(Get-BatchScript $Dir) | ForEach-Object { 'RESULT ' + `$_.Reused }"
        @($out -match '^RESULT True') | Should -HaveCount $charged -Because "$out"
        @($out -match '^RESULT') | Should -HaveCount 24
        Assert-EachPaidOnce 24
    }
}
