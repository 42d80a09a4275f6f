# The model table (issue 13 items 1-2): -Size per model, Auto and Source on gpt-image-2, sizes refused
# before anything is uploaded, -Model completion, and the saved size/model pair.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu

    function Get-Ratio([string] $Size) {
        $w, $h = $Size -split 'x'
        [double]$w / [double]$h
    }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Sizes per model' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-Emulator $Emu
    }

    It 'gpt-image-2 -Size <Size> for a <Width>x<Height> source keeps its aspect ratio, and the service takes it' -ForEach @(
        foreach ($size in 'Auto', 'source') {
            @{ Size = $size; Width = 1600; Height = 1200 }   # 4:3
            @{ Size = $size; Width = 1920; Height = 1080 }   # 16:9
            @{ Size = $size; Width = 1000; Height = 1000 }   # 1:1
            @{ Size = $size; Width = 1080; Height = 1920 }   # 9:16
            @{ Size = $size; Width = 2400; Height = 800 }    # 3:1
        }
    ) {
        $dir = New-Folder
        New-TestImage -Path $dir -Width $Width -Height $Height
        $result = Get-ChildItem -LiteralPath $dir -File |
            Invoke-BackgroundReplace -Prompt 'studio' -Model gpt-image-2 -Size $Size -ErrorAction Stop
        $result.Status | Should -Be 'SUCCESS'
        $result.Model | Should -Be 'gpt-image-2'
        [math]::Abs((Get-Ratio $result.Size) / ($Width / $Height) - 1) | Should -BeLessOrEqual 0.02
        if ($Size -eq 'source') {
            # The source's own resolution, rounded to multiples of 16.
            $w, $h = $result.Size -split 'x'
            [math]::Abs([double]$w * $h / ($Width * $Height) - 1) | Should -BeLessOrEqual 0.04
        }
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 1
    }

    It 'refuses -Model <Model> -Size <Size> before any upload, naming the rule (<Says>)' -ForEach @(
        @{ Model = 'gpt-image-1-mini'; Size = '2048x1152'; Says = 'makes only 1024x1024, 1024x1536, 1536x1024' }
        @{ Model = 'gpt-image-1'; Size = 'Source'; Says = '-Model gpt-image-2' }
        @{ Model = 'gpt-image-2'; Size = '1000x1000'; Says = 'divisible by 16' }
        @{ Model = 'gpt-image-2'; Size = '512x512'; Says = '655,360 to 8,294,400' }
        @{ Model = 'gpt-image-2'; Size = '4096x1024'; Says = 'longest edge' }
        @{ Model = 'gpt-image-2'; Size = '3072x976'; Says = '3:1' }
    ) {
        $dir = New-Sources 3
        $err = $null
        try {
            Get-ChildItem -LiteralPath $dir -File |
                Invoke-BackgroundReplace -Prompt 'a' -Model $Model -Size $Size -SummaryVariable s
        } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        $err.ToString() | Should -BeLike "*$Says*"
        if ($Model -eq 'gpt-image-2') { $err.ToString() | Should -Match 'would work: \d+x\d+' }
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.requests | Should -Be 0
        $stats.uploads | Should -Be 0
        $stats.featureCalls | Should -Be 0
    }

    It 'a piped row with a size its model cannot make is one counted item error; the others are done' {
        $dir = New-Sources 3
        $files = @(Get-ChildItem -LiteralPath $dir -File | Sort-Object Name)
        $rows = @(
            [pscustomobject]@{ Path = $files[0].FullName; Prompt = 'a'; Size = '2048X1152' }
            [pscustomobject]@{ Path = $files[1].FullName; Prompt = 'a'; Size = '1000x1000' }
            [pscustomobject]@{ Path = $files[2].FullName; Prompt = 'a'; Size = 'SOURCE' }
        )
        $results = @($rows | Invoke-BackgroundReplace -Model gpt-image-2 -SummaryVariable s -ErrorVariable errs -ErrorAction SilentlyContinue)
        $results | Should -HaveCount 2
        ($results | Where-Object SourcePath -EQ $files[0].FullName).Size | Should -Be '2048x1152' # results come as they finish
        $s.Failed | Should -Be 1
        $errs | Should -HaveCount 1
        $errs[0].ToString() | Should -Match ([regex]::Escape($files[1].Name))
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.uploads | Should -Be 2
        $stats.featureCalls | Should -Be 2
    }

    It 'sends an unknown model as given, with a verbose note, and leaves its sizes to the service' {
        $dir = New-Sources 1
        $err = $null
        $verbose = try {
            Get-ChildItem -LiteralPath $dir -File |
                Invoke-BackgroundReplace -Prompt 'a' -Model 'gpt-image-9' -Size 999x999 -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        } catch { $err = $_ }
        $err.ToString() | Should -Match 'UNSUPPORTED_MODEL'
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.featureCalls | Should -Be 1 -Because 'the size 999x999 was not second-guessed'
        $stats.charges | Should -Be 0
    }

    It 'notes in verbose that an unknown model is sent as given' {
        $line = Invoke-FreshPwsh "Import-Module '$ModulePath'; Invoke-BackgroundReplace -ImageUrl 'images/x.png' -Prompt a -Model gpt-image-9 -WhatIf -Verbose 4>&1 | Where-Object { `$_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message"
        ($line -join ' ') | Should -Match "gpt-image-9' is not one the module knows"
    }
}

Describe 'A model the service does not offer (retired upstream)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-Emulator $Emu
    }

    It 'a 50-image batch with a retired model, at the default -ThrottleLimit: one ModelUnavailable error, at most two calls, nothing charged' {
        Set-OneMinEmulatorConfig $Emu @{ retiredModels = @('gpt-image-1-mini') }
        $dir = New-Sources 50
        $err = $null
        $errs = $null
        try {
            Get-ChildItem -LiteralPath $dir -File |
                Invoke-BackgroundReplace -Prompt 'a' -SummaryVariable s -ErrorVariable errs
        } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'ModelUnavailable,*'
        $err.ToString() | Should -Match 'with model gpt-image-1-mini'
        $err.ToString() | Should -Match '-Model gpt-image-2'
        $err.ToString() | Should -Match 'Set-OneMinBgConfig -Model'
        # One error in all: no item error for the other call (-ErrorVariable holds the terminating one only).
        @($errs).Count | Should -BeLessOrEqual 1
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.featureCalls | Should -BeLessOrEqual 2
        $stats.charges | Should -Be 0
        $s.Completed | Should -BeFalse
        # The way out works: another model, same images.
        $results = Get-ChildItem -LiteralPath $dir -File | Select-Object -First 2 | Invoke-BackgroundReplace -Prompt 'a' -Model gpt-image-2
        $results.Model | Should -Be @('gpt-image-2', 'gpt-image-2')
    }

    It 'without a local file (-ImageUrl) Auto is 1024x1024 and Source is refused' {
        $dir = New-Sources 1
        $first = Get-ChildItem -LiteralPath $dir -File | Invoke-BackgroundReplace -Prompt 'a'
        $auto = Invoke-BackgroundReplace -ImageUrl $first.ImageUrl -Prompt 'b' -Model gpt-image-2
        $auto.Size | Should -Be '1024x1024'
        { Invoke-BackgroundReplace -ImageUrl $first.ImageUrl -Prompt 'c' -Model gpt-image-2 -Size Source } |
            Should -Throw -ExpectedMessage '*-ImageUrl*'
        (Get-OneMinEmulatorStats $Emu).featureCalls | Should -Be 2
    }
}

Describe 'The model in the saved configuration and in completion' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-Emulator $Emu
    }

    It '-Model completes from the model table and the saved model' {
        Set-OneMinBgConfig -Model 'my-team-model'
        $line = 'Invoke-BackgroundReplace -Model '
        $names = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $names | Should -Be @('gpt-image-1-mini', 'gpt-image-1', 'gpt-image-2', 'my-team-model')
        $line = 'Set-OneMinBgConfig -Model gpt-image-2'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText |
            Should -Be 'gpt-image-2'
        $line = 'Invoke-BackgroundReplace -Size s'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText |
            Should -Be 'Source'
    }

    It 'refuses to save a size the saved model cannot make, and uses a pair that fits' {
        { Set-OneMinBgConfig -Size 2048x1152 } | Should -Throw -ExpectedMessage '*gpt-image-1-mini does not make 2048x1152*'
        Set-OneMinBgConfig -Model gpt-image-2 -Size source
        (Get-OneMinBgConfig).Size | Should -Be 'Source'
        { Set-OneMinBgConfig -Model gpt-image-1 } | Should -Throw -ExpectedMessage '*-Model gpt-image-2*'
        $dir = New-Folder
        New-TestImage -Path $dir -Width 1280 -Height 720
        $result = Get-ChildItem -LiteralPath $dir -File | Invoke-BackgroundReplace -Prompt 'a'
        $result.Model | Should -Be 'gpt-image-2'
        $result.Size | Should -Be '1280x720'
    }
}
