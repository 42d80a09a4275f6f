# Invoke-BackgroundReplace: every input its help documents binds (issue 12 item 5), its choices are
# taken in any case and checked by the command, so every input is counted in -SummaryVariable however
# the command ends (item 1), and -WhatIf counts what it would do (item 6).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu

    function Assert-AddsUp($Summary) {
        $Summary | Should -Not -BeNullOrEmpty
        $Summary.Total | Should -Be ($Summary.Succeeded + $Summary.Failed + $Summary.Skipped)
    }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Inputs the help documents' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-Emulator $Emu
        $script:Dir = New-Sources 2
        $script:Files = @(Get-ChildItem -LiteralPath $Dir -File | Sort-Object Name)
    }

    It 'takes a BgResult back (Example 5): another prompt on the same upload, nothing uploaded again' {
        $first = Invoke-BackgroundReplace -Path $Files[0].FullName -Prompt 'modern office, city skyline' -Size 1536x1024
        $again = $first | Invoke-BackgroundReplace -Prompt 'snowy mountains at dusk' -Quality high
        $again.Status | Should -Be 'SUCCESS'
        $again.ImageUrl | Should -Be $first.ImageUrl
        $again.Prompt | Should -Be 'snowy mountains at dusk'
        $again.Quality | Should -Be 'high'
        $again.Size | Should -Be '1536x1024'
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.uploads | Should -Be 1
        $stats.charges | Should -Be 2
    }

    It 'takes CSV rows with a <Column> column' -ForEach @(
        @{ Column = 'Path' }
        @{ Column = 'LiteralPath' }
        @{ Column = 'ImageUrl' }
    ) {
        # A name with [ ] as CSV columns often hold; an ImageUrl is the asset key of an earlier upload.
        $odd = Join-Path $Dir 'shot [1].png'
        Copy-Item -LiteralPath $Files[0].FullName -Destination $odd
        $value = if ($Column -eq 'ImageUrl') { (Invoke-BackgroundReplace -LiteralPath $odd -Prompt 'first').ImageUrl } else { $odd }
        $csv = Join-Path $TestDrive "jobs-$([guid]::NewGuid().ToString('N')).csv"
        [pscustomobject]@{ $Column = $value; Prompt = 'beach'; Quality = 'LOW' } | Export-Csv -LiteralPath $csv
        $result = Import-Csv -LiteralPath $csv | Invoke-BackgroundReplace
        $result.Status | Should -Be 'SUCCESS'
        $result.Prompt | Should -Be 'beach'
        $result.Quality | Should -Be 'low'
        if ($Column -eq 'ImageUrl') { $result.ImageUrl | Should -Be $value } else { $result.SourcePath | Should -Be $odd }
    }

    It 'takes files from Get-ChildItem, and paths as strings' {
        @(Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'a').SourcePath | Sort-Object |
            Should -Be $Files.FullName
        @($Files.FullName | Invoke-BackgroundReplace -Prompt 'b').SourcePath | Sort-Object | Should -Be $Files.FullName
        @(Invoke-BackgroundReplace (Join-Path $Dir '*.png') 'c').SourcePath | Sort-Object | Should -Be $Files.FullName
    }

    It 'says what fits when a piped object has nothing to send' {
        $err = { [pscustomobject]@{ Name = 'x' } | Invoke-BackgroundReplace -Prompt 'a' -ErrorAction Stop } |
            Should -Throw -PassThru
        $err.ToString() | Should -Match 'Path, LiteralPath or ImageUrl'
    }

    It 'does not take the byte count of a file from Get-ChildItem as its size: the saved Size holds' {
        Set-OneMinBgConfig -Size 1536x1024
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'a'
        $results.Size | Sort-Object -Unique | Should -Be '1536x1024'
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'b' -Size 1024x1536
        $results.Size | Sort-Object -Unique | Should -Be '1024x1536'
    }

    It 'takes Size, Quality and Background in any case and sends them in the service spelling' {
        $rows = @(
            [pscustomobject]@{ Path = $Files[0].FullName; Prompt = 'a'; Size = 'AUTO'; Quality = 'HIGH'; Background = 'Opaque' }
            [pscustomobject]@{ Path = $Files[1].FullName; Prompt = 'a'; Size = '1024X1536'; Quality = 'Low'; Background = 'TRANSPARENT' }
        )
        $results = $rows | Invoke-BackgroundReplace | Sort-Object SourcePath
        $results[0].Size, $results[0].Quality, $results[0].Background | Should -Be '1024x1024', 'high', 'opaque'
        $results[1].Size, $results[1].Quality, $results[1].Background | Should -Be '1024x1536', 'low', 'transparent'
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'b' -Size auto -Quality MEDIUM -Background AUTO
        $results.Status | Sort-Object -Unique | Should -Be 'SUCCESS'
        $results.Quality | Sort-Object -Unique | Should -Be 'medium'
    }

    It 'saves Size, Quality and Background given in any case in the service spelling' {
        Set-OneMinBgConfig -Size auto -Quality HIGH -Background OPAQUE
        $saved = Get-OneMinBgConfig
        $saved.Size, $saved.Quality, $saved.Background | Should -Be 'Auto', 'high', 'opaque'
        { Set-OneMinBgConfig -Quality ultra } | Should -Throw -ExpectedMessage '*"ultra" does not belong to the set "low,medium,high"*'
        (Get-OneMinBgConfig).Quality | Should -Be 'high'
        (Get-OneMinEmulatorStats $Emu).uploads | Should -Be 0
        (Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'a').Quality | Sort-Object -Unique | Should -Be 'high'
    }

    It 'completes -<Parameter> of <Command> with its values' -ForEach @(
        @{ Command = 'Invoke-BackgroundReplace'; Parameter = 'Size'; Values = 'Auto', 'Source', '1024x1024', '1024x1536', '1536x1024' }
        @{ Command = 'Invoke-BackgroundReplace'; Parameter = 'Quality'; Values = 'low', 'medium', 'high' }
        @{ Command = 'Invoke-BackgroundReplace'; Parameter = 'Background'; Values = 'auto', 'opaque', 'transparent' }
        @{ Command = 'Set-OneMinBgConfig'; Parameter = 'Quality'; Values = 'low', 'medium', 'high' }
    ) {
        $line = "$Command -$Parameter "
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText |
            Should -Be $Values
        $line = "$Command -$Parameter h"
        if ($Parameter -eq 'Quality') {
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'high'
        }
    }
}

Describe 'Every input counted, however the command ends' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        Set-OneMinEmulatorConfig $Emu @{ faults = @(); credits = 1000000; featureLatencyMs = 0 }
        $null = Use-Emulator $Emu
        $script:Dir = New-Sources 4
        $script:Files = @(Get-ChildItem -LiteralPath $Dir -File | Sort-Object Name)
    }

    It 'counts the rows the binder used to refuse: 7 rows, 3 bad, Total 7 and Failed 3' {
        $rows = @(
            [pscustomobject]@{ Path = $Files[0].FullName; Prompt = 'a'; Size = ''; Quality = '' }
            [pscustomobject]@{ Path = $Files[1].FullName; Prompt = ''; Size = ''; Quality = '' }
            [pscustomobject]@{ Path = $Files[2].FullName; Prompt = 'a'; Size = '999x999'; Quality = '' }
            [pscustomobject]@{ Path = $Files[3].FullName; Prompt = 'a'; Size = ''; Quality = 'ultra' }
            [pscustomobject]@{ Path = $Files[1].FullName; Prompt = 'b'; Size = ''; Quality = '' }
            [pscustomobject]@{ Path = $Files[2].FullName; Prompt = 'b'; Size = ''; Quality = '' }
            [pscustomobject]@{ Path = $Files[3].FullName; Prompt = 'b'; Size = ''; Quality = '' }
        )
        $results = $rows | Invoke-BackgroundReplace -SummaryVariable s -ErrorVariable errs -ErrorAction SilentlyContinue
        $results | Should -HaveCount 4
        $s.Total | Should -Be 7
        $s.Succeeded | Should -Be 4
        $s.Failed | Should -Be 3
        $s.Completed | Should -BeTrue
        $errs | Should -HaveCount 3
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PromptMissing,*'
        $errs[0].TargetObject | Should -Be $Files[1].FullName
        $errs[1].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        $errs[1].ToString() | Should -Match ([regex]::Escape($Files[2].Name) + ".*'Size'|'Size'.*" + [regex]::Escape($Files[2].Name))
        $errs[2].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[2].ToString() | Should -Match '"ultra"'
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 4
    }

    It 'stops at a typo on the command line (<Name>) before any work, and still sets the summary' -ForEach @(
        @{ Name = '-Quality ultra'; Arguments = @{ Prompt = 'a'; Quality = 'ultra' }; Says = '"ultra" does not belong' }
        @{ Name = '-Size 999x999'; Arguments = @{ Prompt = 'a'; Size = '999x999' }; Says = 'gpt-image-1-mini does not make 999x999' }
        @{ Name = '-Background green'; Arguments = @{ Prompt = 'a'; Background = 'green' }; Says = '"green" does not belong' }
        @{ Name = 'a blank -Prompt'; Arguments = @{ Prompt = ' ' }; Says = 'blank' }
    ) {
        # Not in a script block of its own: the summary is set in the caller's scope, this one.
        $err = $null
        try { Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace @Arguments -SummaryVariable s }
        catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        $err.ToString() | Should -Match $Says
        (Get-OneMinEmulatorStats $Emu).uploads | Should -Be 0
        $s.Completed | Should -BeFalse
        $s.Total | Should -Be 0
    }

    It 'stops at once, with PromptMissing, when neither -Prompt nor pipeline input is given' {
        $err = { Invoke-BackgroundReplace -Path $Files[0].FullName } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'PromptMissing,*'
        $err.ToString() | Should -Match '-Prompt'
        (Get-OneMinEmulatorStats $Emu).uploads | Should -Be 0
    }

    It 'sets the summary when <Name> ends the command, counting the item that met it as failed' -ForEach @(
        @{ Name = 'no key'; Key = ''; Id = 'ApiKeyMissing' }
        @{ Name = 'a rejected key'; Key = 'wrong-key'; Id = 'AuthenticationFailed' }
        @{ Name = 'no credits'; Credits = 0; Id = 'InsufficientCredits' }
    ) {
        if ($null -ne $Credits) { Set-OneMinEmulatorConfig $Emu @{ credits = $Credits } }
        $saved = $env:ONEMIN_API_KEY
        if ($null -ne $Key) { $env:ONEMIN_API_KEY = $Key }
        $err = $null
        try { Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'a' -ThrottleLimit 1 -SummaryVariable s }
        catch { $err = $_ }
        finally { $env:ONEMIN_API_KEY = $saved }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        Assert-AddsUp $s
        $s.Completed | Should -BeFalse
        $s.Failed | Should -Be 1
        $s.Succeeded | Should -Be 0
    }

    It 'sets the summary in a script without try/catch, before its next line runs' {
        $out = Invoke-FreshPwsh "Import-Module '$ModulePath'; Get-ChildItem -LiteralPath '$Dir' -File | Invoke-BackgroundReplace -Prompt a -SummaryVariable s 2>`$null; 'next: {0} {1} {2}' -f `$s.Total, `$s.Failed, `$s.Completed" -Environment @{ ONEMIN_API_KEY = 'wrong-key' }
        $out[-1] | Should -Match '^next: \d+ [1-9]\d* False$'
    }

    It 'sets the summary when Select-Object -First ends the command early' {
        $null = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'a' -ThrottleLimit 1 -SummaryVariable s |
            Select-Object -First 1
        # The image whose result reached Select-Object may count as skipped: the stop came while it was written.
        Assert-AddsUp $s
        $s.Total | Should -BeGreaterOrEqual 1
        $s.Completed | Should -BeFalse
        $s.Failed | Should -Be 0
    }

    It 'sets the summary when the command is stopped as by Ctrl+C' {
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 3000 }
        $run = Start-InRunspace -Script "Get-ChildItem -LiteralPath '$Dir' -File | Invoke-BackgroundReplace -Prompt a -SummaryVariable s"
        try {
            Wait-Until { (Get-OneMinEmulatorStats $Emu).featureCalls -ge 1 } -Because 'an image is with the service'
            $run.PowerShell.Stop()
            $s = $run.PowerShell.Runspace.SessionStateProxy.GetVariable('s')
        }
        finally { $run.PowerShell.Dispose() }
        # The calls left with the service finish in the background: their charges belong to this test.
        Wait-Until { (Get-OneMinEmulatorStats $Emu).currentConcurrentFeatures -eq 0 } -Because 'the calls left with the service are back'
        Assert-AddsUp $s
        $s.Completed | Should -BeFalse
        $s.Skipped | Should -BeGreaterOrEqual 1
        $s.Failed | Should -Be 0
    }
}

Describe '-WhatIf counts what it would do' {
    It 'ends with how many images would be sent, how many reused and how many failed checks' {
        Reset-OneMinEmulator $Emu
        $null = Use-Emulator $Emu
        $dir = New-Sources 3
        $null = Invoke-BackgroundReplace -Path (Join-Path $dir 'image1.png'), (Join-Path $dir 'image2.png') -Prompt 'beach'
        Set-Content -LiteralPath (Join-Path $dir 'bad.png') -Value 'not an image'
        $lines = Invoke-FreshPwsh "Import-Module '$ModulePath'; Get-ChildItem -LiteralPath '$dir' -File | Invoke-BackgroundReplace -Prompt beach -WhatIf -SummaryVariable s 2>`$null; 'skipped {0} failed {1}' -f `$s.Skipped, `$s.Failed"
        $lines | Should -Contain 'What if: 1 image would be sent (spending credits), 2 reused from the journal, 1 failed checks'
        $lines[-1] | Should -Be 'skipped 3 failed 1'
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 2
    }
}
