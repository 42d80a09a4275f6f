# Progress that tells the truth (issue 15, item 2): a total and a percentage when the count is known, a running
# count when input streams in from the pipeline, the rate and the time left, the current file, and
# Save-BgImage's own progress as a child of Invoke-BackgroundReplace's in one pipeline; nothing under
# $ProgressPreference = 'SilentlyContinue'. The progress records are read from a runspace's Progress stream.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu

    function Get-ProgressOf {
        # Runs $Script in a runspace of this process and returns its progress records.
        param([string] $Script, [hashtable] $Variables = @{})
        $run = Start-InRunspace -Script $Script -Variables $Variables
        try {
            $null = $run.PowerShell.EndInvoke($run.Async)
            @($run.PowerShell.Streams.Error) | Should -HaveCount 0
            @($run.PowerShell.Streams.Progress)
        }
        finally {
            $run.PowerShell.Dispose()
        }
    }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Progress of a batch' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        # Slow enough for several progress records (one every 250 ms at most) while the batch runs.
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 600; downloadLatencyMs = 400 }
        $null = Use-FreshJournal
        $script:Src = New-Sources 6
        $script:Files = @(Get-ChildItem -LiteralPath $Src -File)
    }

    It 'with a count known ahead (<Case>): the total, a percentage, the time left and the current file' -TestCases @(
        @{ Case = '-Path with a wildcard'; Script = 'Invoke-BackgroundReplace -Path (Join-Path $src ''*.png'') -Prompt x -ThrottleLimit 2' }
        @{ Case = 'a collection given to -LiteralPath'; Script = 'Invoke-BackgroundReplace -LiteralPath $files.FullName -Prompt x -ThrottleLimit 2' }
    ) {
        param($Case, $Script)
        $progress = Get-ProgressOf $Script @{ src = $Src; files = $Files }
        $running = @($progress | Where-Object RecordType -EQ 'Processing')

        $running.Count | Should -BeGreaterThan 1
        $running | ForEach-Object { $_.StatusDescription | Should -Match '^\d of 6 done' }
        $running | ForEach-Object { $_.PercentComplete | Should -BeIn (0..100) }
        ($running | Where-Object { $_.PercentComplete -gt 0 }) | Should -Not -BeNullOrEmpty
        ($running | Where-Object { $_.SecondsRemaining -gt 0 }) | Should -Not -BeNullOrEmpty -Because 'the time left comes from the measured rate'
        ($running | Where-Object { $_.StatusDescription -match '/min' }) | Should -Not -BeNullOrEmpty
        ($running | Where-Object { $_.StatusDescription -match '\d with the service' }) | Should -Not -BeNullOrEmpty
        $running | ForEach-Object { $_.CurrentOperation | Should -BeIn $Files.FullName }
        $progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'with input from the pipeline: a running count, no percentage and no time left' {
        $progress = Get-ProgressOf 'Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt x -ThrottleLimit 2' @{ src = $Src }
        $running = @($progress | Where-Object RecordType -EQ 'Processing')

        $running.Count | Should -BeGreaterThan 1
        $running | ForEach-Object {
            $_.StatusDescription | Should -Match '^\d done of \d so far'
            $_.PercentComplete | Should -Be -1
            $_.SecondsRemaining | Should -Be -1
        }
        $progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'says how many wait for the rate limit apart from those with the service' {
        # 60 a minute: after the first two, each request waits about a second for its slot.
        $progress = Get-ProgressOf 'Invoke-BackgroundReplace -LiteralPath $files.FullName -Prompt x -ThrottleLimit 3 -RequestsPerMinute 60' @{ files = $Files[0..2] }

        ($progress | Where-Object { $_.StatusDescription -match '\d waiting for the rate limit' }) | Should -Not -BeNullOrEmpty
    }

    It 'Save-BgImage in the same pipeline shows its own progress, as a child of the replace progress' {
        $out = New-Folder
        $progress = Get-ProgressOf 'Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt x -ThrottleLimit 2 | Save-BgImage -Destination $out' @{ src = $Src; out = $out }
        $replace = @($progress | Where-Object Activity -EQ 'Replacing backgrounds')
        $save = @($progress | Where-Object Activity -EQ 'Saving images')

        $replace | Should -Not -BeNullOrEmpty
        $save | Should -Not -BeNullOrEmpty
        $replace | ForEach-Object { $_.ParentActivityId | Should -Be -1 }
        $save | ForEach-Object { $_.ParentActivityId | Should -Be $replace[0].ActivityId }
        $save[0].ActivityId | Should -Not -Be $replace[0].ActivityId
        $named = @($save | Where-Object RecordType -EQ 'Processing' | Where-Object CurrentOperation)
        $named | Should -Not -BeNullOrEmpty
        $named | ForEach-Object { $_.CurrentOperation | Should -BeIn $Files.FullName }
        $replace[-1].RecordType | Should -Be 'Completed'
        $save[-1].RecordType | Should -Be 'Completed'
        @(Get-ChildItem -LiteralPath $out -File) | Should -HaveCount 6
    }

    It 'a later Save-BgImage of results kept in a variable is nobody''s child, and counts the collection given to it' {
        $out = New-Folder
        $progress = Get-ProgressOf '$r = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt x; Save-BgImage -InputObject $r -Destination $out -ThrottleLimit 2' @{ src = $Src; out = $out }

        $save = @($progress | Where-Object Activity -EQ 'Saving images')
        $save | Should -Not -BeNullOrEmpty
        $save | ForEach-Object { $_.ParentActivityId | Should -Be -1 }
        $save | Where-Object RecordType -EQ 'Processing' | ForEach-Object { $_.StatusDescription | Should -Match '^\d of 6 done' }
        $save[-1].RecordType | Should -Be 'Completed'
    }

    It 'writes nothing under $ProgressPreference = ''SilentlyContinue'' (<Case>)' -TestCases @(
        @{ Case = 'the preference'; Script = '$ProgressPreference = ''SilentlyContinue''; Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt x -ThrottleLimit 2 | Save-BgImage -Destination $out' }
        @{ Case = '-ProgressAction'; Script = 'Invoke-BackgroundReplace -LiteralPath $files.FullName -Prompt x -ThrottleLimit 2 -ProgressAction SilentlyContinue' }
    ) {
        param($Case, $Script)
        $progress = Get-ProgressOf $Script @{ src = $Src; files = $Files; out = (New-Folder) }

        $progress | Should -HaveCount 0
    }
}
