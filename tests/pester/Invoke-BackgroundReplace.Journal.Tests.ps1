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
        Write-Host ($counts -join '; ')
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
