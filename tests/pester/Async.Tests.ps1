# Long and broken image calls (issue 13): the image call goes with "async": true, whichever way the
# service takes it (honoured: PROCESSING then polled; ignored; refused with a 400), a stopped batch run
# again pays each image once, a gateway cut after acceptance loses nothing, and a paid answer that breaks
# but names its record is recovered by a lookup.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'A broken answer that names its record (issue 13 item 5)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
    }

    It 'recovers the result of a success answer cut after its uuid (<Kind>), pays once, and a re-run pays nothing' -TestCases @(
        @{ Kind = 'truncated' }
        @{ Kind = 'truncated-short-length' }
    ) {
        param($Kind)
        $src = New-Sources -Count 2
        $out = New-Folder
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'feature'; kind = $Kind; rate = 1 }) }

        $saved = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'x' -ErrorVariable errs |
            Save-BgImage -Destination $out
        Set-OneMinEmulatorConfig $Emu @{ faults = @() }
        $again = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'x' -ErrorVariable errs2

        $errs | Should -HaveCount 0
        $errs2 | Should -HaveCount 0
        $saved | Should -HaveCount 2
        Assert-AllCompletePngs -Folder $out -Count 2
        $again | ForEach-Object { $_.Reused | Should -BeTrue }
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.featureCalls | Should -Be 2
        Get-ChargeCounts $stats | Should -Be @(1, 1)
    }

    It 'still reports an unknown outcome when the uuid itself is cut (malformed-json)' {
        $src = New-Sources -Count 1
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'feature'; kind = 'malformed-json' }) }

        $null = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'x' -ErrorVariable errs -ErrorAction SilentlyContinue

        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'FeatureOutcomeUnknown,*'
    }
}

Describe 'Image calls with "async": true (issue 13 item 4)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
    }

    # The gateway tests come first: a refusal of the flag (the last stop case) makes this process send
    # every later image to this emulator synchronously, as it should.
    It 'a gateway cut after the call was accepted loses nothing when async is honoured' {
        $src = New-Sources -Count 3
        $out = New-Folder
        Set-OneMinEmulatorConfig $Emu @{ asyncMode = 'honour'; featureLatencyMs = 1500; gatewayCutMs = 300 }

        $saved = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'x' -Verbose -ErrorVariable errs 4>&1 |
            Where-Object { $_ -is [OneMinBg.BgResult] } | Save-BgImage -Destination $out

        $errs | Should -HaveCount 0
        @($saved) | Should -HaveCount 3
        Assert-AllCompletePngs -Folder $out -Count 3
        Get-ChargeCounts (Get-OneMinEmulatorStats $Emu) | Should -Be @(1, 1, 1)
    }

    It 'the same gateway cut without async is an unknown outcome (what the flag avoids)' {
        $src = New-Sources -Count 1
        Set-OneMinEmulatorConfig $Emu @{ asyncMode = 'ignore'; featureLatencyMs = 1500; gatewayCutMs = 300 }

        $null = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'x' -ErrorVariable errs -ErrorAction SilentlyContinue

        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'FeatureOutcomeUnknown,*'
        $errs[0].ToString() | Should -Match '524'
        # The service went on behind the gateway: the image was paid for, and nothing says which record it is.
        Wait-Until { (Get-OneMinEmulatorStats $Emu).charges -eq 1 } -Because 'the cut call is still charged'
    }
    It 'a batch stopped half-way and run again saves every image and pays each once (async <Mode>)' -TestCases @(
        @{ Mode = 'honour' }
        @{ Mode = 'ignore' }
        @{ Mode = 'refuse' }
    ) {
        param($Mode)
        $src = New-Sources -Count 8
        $out = New-Folder
        Set-OneMinEmulatorConfig $Emu @{ asyncMode = $Mode; featureLatencyMs = 1500 }
        $script = "Get-ChildItem -LiteralPath '$src' -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 4 |" +
            " Save-BgImage -Destination '$out'"
        $run = Start-InRunspace -Script $script
        Wait-Until { (Get-OneMinEmulatorStats $Emu).featureCalls -ge 4 } -Because 'four image calls are out'

        $run.PowerShell.Stop()
        $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        $run.PowerShell.Dispose()
        $charged = (Get-OneMinEmulatorStats $Emu).charges
        $charged | Should -BeLessThan 8 -Because 'the batch was stopped half-way'

        $again = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 4 -ErrorVariable errs |
            Save-BgImage -Destination $out
        Wait-Until { (Get-OneMinEmulatorStats $Emu).currentConcurrentFeatures -eq 0 } -Because 'no work is left with the service'

        $errs | Should -HaveCount 0
        @($again) | Should -HaveCount 8
        Assert-AllCompletePngs -Folder $out -Count 8
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.charges | Should -Be 8
        Get-ChargeCounts $stats | Should -Be @(1, 1, 1, 1, 1, 1, 1, 1)
    }
}
