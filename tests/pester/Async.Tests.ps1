# Long and broken image calls (issue 13): a paid answer that breaks but names its record is recovered
# by a lookup, and paid once.
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
