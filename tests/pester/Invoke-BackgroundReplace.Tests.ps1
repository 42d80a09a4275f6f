# Invoke-BackgroundReplace: what it takes (paths, pipeline objects, CSV rows, settings, keys), what it
# returns, and how it reports bad input. Batches: Invoke-BackgroundReplace.Batch.Tests.ps1; re-runs and
# the journal: Invoke-BackgroundReplace.Journal.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Invoke-BackgroundReplace' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = Join-Path $TestDrive ([guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $Dir
    }

    It 'takes Get-ChildItem output and emits one BgResult per image' {
        New-TestImage -Path $Dir -Count 3
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'white studio backdrop'
        $results | Should -HaveCount 3
        $results | ForEach-Object { $_ | Should -BeOfType ([OneMinBg.BgResult]) }
        $results.Status | Sort-Object -Unique | Should -Be 'SUCCESS'
        ($results.SourcePath | Sort-Object) | Should -Be ((Get-ChildItem -LiteralPath $Dir -File).FullName | Sort-Object)
        $results | ForEach-Object {
            $_.Id | Should -Not -BeNullOrEmpty
            $_.ImageUrl | Should -Match '^images/'
            $_.Prompt | Should -Be 'white studio backdrop'
            $_.Size | Should -Be '1024x1024'
            $_.Quality | Should -Be 'medium'
            $_.Background | Should -Be 'auto'
            $_.Model | Should -Be 'gpt-image-1-mini'
            $_.ResultKeys | Should -HaveCount 1
            $_.TemporaryUrl | Should -Match '^http'
            $_.CreatedAt | Should -BeOfType ([DateTimeOffset])
        }
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.uploads | Should -Be 3
        $stats.charges | Should -Be 3
    }

    It 'handles file names with spaces and [brackets] from -LiteralPath and from the pipeline' {
        New-TestImage -Path $Dir -Count 1 -Prefix 'my photo [draft] '
        $file = Get-ChildItem -LiteralPath $Dir -File
        $file.Name | Should -Match '\[draft\]'
        (Invoke-BackgroundReplace -LiteralPath $file.FullName -Prompt 'beach').SourcePath | Should -Be $file.FullName
        ($file | Invoke-BackgroundReplace -Prompt 'beach').SourcePath | Should -Be $file.FullName
    }

    It 'takes paths piped as strings (wildcards) and from Resolve-Path (literal)' {
        New-TestImage -Path $Dir -Count 2 -Prefix 'pic [x] '
        $escaped = [WildcardPattern]::Escape((Join-Path $Dir 'pic [x] 1.png'))
        ($escaped | Invoke-BackgroundReplace -Prompt 'x').SourcePath | Should -Be (Join-Path $Dir 'pic [x] 1.png')
        $results = Resolve-Path -LiteralPath (Join-Path $Dir 'pic [x] 2.png') | Invoke-BackgroundReplace -Prompt 'x'
        $results.SourcePath | Should -Be (Join-Path $Dir 'pic [x] 2.png')
    }

    It 'takes rows from Select-Object with calculated Path and Prompt properties' {
        New-TestImage -Path $Dir -Count 2 -Prefix 'calc [1] '
        $results = Get-ChildItem -LiteralPath $Dir -File |
            Select-Object @{ n = 'Path'; e = { $_.FullName } }, @{ n = 'Prompt'; e = { 'beach' } } |
            Invoke-BackgroundReplace
        $results | Should -HaveCount 2
        ($results.SourcePath | Sort-Object) | Should -Be ((Get-ChildItem -LiteralPath $Dir -File).FullName | Sort-Object)
    }

    It 'refuses pipeline objects that carry no path, saying what fits' {
        { [pscustomobject]@{ Prompt = 'x' } | Invoke-BackgroundReplace -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*objects with a Path, LiteralPath or ImageUrl property*'
    }

    It 'resolves relative paths and wildcards against the current PowerShell location' {
        New-TestImage -Path $Dir -Count 2 -Prefix 'rel'
        Push-Location $Dir
        try {
            $results = Invoke-BackgroundReplace -Path 'rel*.png' -Prompt 'forest'
            $single = Invoke-BackgroundReplace -Path './rel1.png' -Prompt 'forest'
        }
        finally { Pop-Location }
        $results | Should -HaveCount 2
        $single.SourcePath | Should -Be (Join-Path $Dir 'rel1.png')
    }

    It 'picks the output size closest to the image aspect ratio with -Size Auto (<Name>)' -TestCases @(
        @{ Name = 'landscape'; Width = 300; Height = 200; Expected = '1536x1024' }
        @{ Name = 'portrait'; Width = 200; Height = 300; Expected = '1024x1536' }
        @{ Name = 'square-ish'; Width = 210; Height = 200; Expected = '1024x1024' }
    ) {
        param($Name, $Width, $Height, $Expected)
        New-TestImage -Path $Dir -Count 1 -Width $Width -Height $Height -Prefix $Name
        (Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'sky').Size | Should -Be $Expected
    }

    It 'takes -Size in any case and sends it as the service spells it (<Given>)' -TestCases @(
        @{ Given = 'auto'; Expected = '1536x1024' }
        @{ Given = '1024X1536'; Expected = '1024x1536' }
    ) {
        param($Given, $Expected)
        New-TestImage -Path $Dir -Count 1 -Width 300 -Height 200
        $result = Get-ChildItem -LiteralPath $Dir -File |
            Invoke-BackgroundReplace -Prompt 'sky' -Size $Given -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed | Should -BeNullOrEmpty
        $result.Size | Should -BeExactly $Expected
    }

    It 'accepts JPEG and WebP sources (<Format>)' -TestCases @(@{ Format = 'jpg' }, @{ Format = 'webp' }) {
        param($Format)
        New-TestImage -Path $Dir -Count 1 -Format $Format
        (Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'sky').Status | Should -Be 'SUCCESS'
    }

    It 'takes a job list from Import-Csv (Path, Prompt, Size, Quality, Background columns)' {
        New-TestImage -Path $Dir -Count 2 -Prefix 'job'
        $csv = Join-Path $Dir 'jobs.csv'
        @(
            [pscustomobject]@{ Path = (Join-Path $Dir 'job1.png'); Prompt = 'red brick wall'; Size = '1024x1536'; Quality = 'high'; Background = 'opaque' }
            [pscustomobject]@{ Path = (Join-Path $Dir 'job2.png'); Prompt = 'green meadow'; Size = '1536x1024'; Quality = 'low'; Background = 'auto' }
        ) | Export-Csv -LiteralPath $csv -NoTypeInformation
        $results = Import-Csv -LiteralPath $csv | Invoke-BackgroundReplace | Sort-Object SourcePath
        $results | Should -HaveCount 2
        $results[0].Prompt | Should -Be 'red brick wall'
        $results[0].Size | Should -Be '1024x1536'
        $results[0].Quality | Should -Be 'high'
        $results[0].Background | Should -Be 'opaque'
        $results[1].Prompt | Should -Be 'green meadow'
        $results[1].Size | Should -Be '1536x1024'
        $results[1].Quality | Should -Be 'low'
    }

    It 'runs an already uploaded asset again with -ImageUrl' {
        New-TestImage -Path $Dir -Count 1
        $first = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'desert'
        $again = Invoke-BackgroundReplace -ImageUrl $first.ImageUrl -Prompt 'snowy mountains'
        $again.ImageUrl | Should -Be $first.ImageUrl
        $again.Prompt | Should -Be 'snowy mountains'
        $again.SourcePath | Should -BeNullOrEmpty
        (Get-OneMinEmulatorStats $Emu).uploads | Should -Be 1
    }

    It 'spends nothing and uploads nothing with -WhatIf' {
        New-TestImage -Path $Dir -Count 3
        $out = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'beach' -WhatIf
        $out | Should -BeNullOrEmpty
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.uploads | Should -Be 0
        $stats.featureCalls | Should -Be 0
    }

    It 'stops with one terminating error that names both ways to give a key when there is none' {
        New-TestImage -Path $Dir -Count 2
        $saved = $env:ONEMIN_API_KEY
        Remove-Item Env:ONEMIN_API_KEY
        try {
            $err = { Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' } | Should -Throw -PassThru
        }
        finally { $env:ONEMIN_API_KEY = $saved }
        $err.FullyQualifiedErrorId | Should -BeLike 'ApiKeyMissing,*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err.ToString() | Should -Match '-ApiKey'
        $err.ToString() | Should -Match 'ONEMIN_API_KEY'
        (Get-OneMinEmulatorStats $Emu).uploads | Should -Be 0
    }

    It 'takes the key from -ApiKey as a string or a SecureString' {
        New-TestImage -Path $Dir -Count 1
        $saved = $env:ONEMIN_API_KEY
        Remove-Item Env:ONEMIN_API_KEY
        try {
            (Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -ApiKey $saved).Status | Should -Be 'SUCCESS'
            $secure = ConvertTo-SecureString $saved -AsPlainText -Force
            (Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -ApiKey $secure).Status | Should -Be 'SUCCESS'
        }
        finally { $env:ONEMIN_API_KEY = $saved }
    }

    It 'stops the batch with one AuthenticationError when the service rejects the key' {
        New-TestImage -Path $Dir -Count 3
        $err = { Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -ApiKey 'wrong-key' -ThrottleLimit 1 } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed,*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err.ToString() | Should -Not -Match 'wrong-key'
    }

    It 'reports an API rejection with the service message and HTTP status, naming the input' {
        # An unknown model now stops the batch (Models.Tests.ps1); an image the service cannot fetch is one item's.
        $null = Invoke-BackgroundReplace -ImageUrl 'images/no-such-asset.png', 'images/nor-this.png' -Prompt 'x' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 2
        # Errors come as the calls finish, in either order.
        $first = @($errs | Where-Object { "$_" -match 'no-such-asset\.png' })
        $first | Should -HaveCount 1
        $first[0].FullyQualifiedErrorId | Should -BeLike 'ApiRejected,*'
        $first[0].ToString() | Should -Match '400'
        $first[0].ToString() | Should -Match 'EXTERNAL_API_RESPONSE_WITH_ERROR'
    }

    It 'sets -SummaryVariable to counts a task can act on' {
        $dir = New-Sources 2
        Set-Content -LiteralPath (Join-Path $dir 'bad.png') -Value 'not an image'
        $null = Get-ChildItem -LiteralPath $dir -File | Invoke-BackgroundReplace -Prompt 'x' -SummaryVariable first -ErrorAction SilentlyContinue
        $first.Succeeded | Should -Be 2
        $first.Failed | Should -Be 1
        $first.Reused | Should -Be 0
        $first.Total | Should -Be 3
        $first.TeamCreditsUsed | Should -BeGreaterThan 0
        $null = Get-ChildItem -LiteralPath $dir -File -Filter 'image*' | Invoke-BackgroundReplace -Prompt 'x' -SummaryVariable second
        $second.Reused | Should -Be 2
        $second.Succeeded | Should -Be 2
        $second.Failed | Should -Be 0
    }

    It 'makes the process exit non-zero when an item failed, as the README shows' {
        $dir = New-Sources 1
        Set-Content -LiteralPath (Join-Path $dir 'bad.png') -Value 'not an image'
        $null = Invoke-FreshPwsh "Import-Module '$ModulePath'; Get-ChildItem -LiteralPath '$dir' -File | Invoke-BackgroundReplace -Prompt x -SummaryVariable s -ErrorAction SilentlyContinue | Out-Null; if (`$s.Failed) { exit 1 }"
        $LASTEXITCODE | Should -Be 1
    }
}

Describe 'Bad input mixed into a batch of good files (issue 5, figure 4)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = Join-Path $TestDrive ([guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $Dir
        New-TestImage -Path $Dir -Count 3 -Prefix 'good'
        $script:Good = @(Get-ChildItem -LiteralPath $Dir -File | Sort-Object Name)
        $script:Held = $null
    }

    AfterEach {
        if ($Held) { $Held.Dispose() }
    }

    It 'gives exactly one <ErrorId> error for <Name> and processes the good files' -TestCases @(
        @{ Name = 'a missing file'; ErrorId = 'FileNotFound'; Category = 'ObjectNotFound'
            Make = { param($dir) @{ Path = (Join-Path $dir 'missing.png') } } }
        @{ Name = 'a folder'; ErrorId = 'PathIsDirectory'; Category = 'InvalidArgument'
            Make = { param($dir) $p = Join-Path $dir 'folder.png'; $null = New-Item -ItemType Directory -Path $p; @{ Path = $p } } }
        @{ Name = 'an empty file'; ErrorId = 'FileEmpty'; Category = 'InvalidData'
            Make = { param($dir) $p = Join-Path $dir 'empty.png'; $null = New-Item -ItemType File -Path $p; @{ Path = $p } } }
        @{ Name = 'text renamed .png'; ErrorId = 'NotAnImage'; Category = 'InvalidData'
            Make = { param($dir) $p = Join-Path $dir 'notes.png'; Set-Content -LiteralPath $p -Value 'meeting notes, not an image'; @{ Path = $p } } }
        @{ Name = 'a truncated PNG'; ErrorId = 'ImageTruncated'; Category = 'InvalidData'
            Make = {
                param($dir)
                New-TestImage -Path $dir -Count 1 -Prefix 'whole' -Width 300 -Height 200
                $bytes = [IO.File]::ReadAllBytes((Join-Path $dir 'whole1.png'))
                Remove-Item -LiteralPath (Join-Path $dir 'whole1.png')
                $p = Join-Path $dir 'cut.png'
                [IO.File]::WriteAllBytes($p, $bytes[0..([int]($bytes.Length * 0.6))])
                @{ Path = $p }
            } }
        @{ Name = 'a truncated JPEG'; ErrorId = 'ImageTruncated'; Category = 'InvalidData'
            Make = {
                param($dir)
                New-TestImage -Path $dir -Count 1 -Prefix 'whole' -Format jpg -Width 300 -Height 200
                $bytes = [IO.File]::ReadAllBytes((Join-Path $dir 'whole1.jpg'))
                Remove-Item -LiteralPath (Join-Path $dir 'whole1.jpg')
                $p = Join-Path $dir 'cut.jpg'
                [IO.File]::WriteAllBytes($p, $bytes[0..([int]($bytes.Length * 0.6))])
                @{ Path = $p }
            } }
        @{ Name = 'an image over 50 MB'; ErrorId = 'ImageTooLarge'; Category = 'InvalidData'
            Make = {
                param($dir)
                # A real PNG start, then a sparse file of 50 MB + 1 byte: checked by its size before any upload.
                New-TestImage -Path $dir -Count 1 -Prefix 'huge'
                $p = Join-Path $dir 'huge1.png'
                $fs = [IO.File]::Open($p, 'Open', 'ReadWrite')
                try { $fs.SetLength(50MB + 1) } finally { $fs.Dispose() }
                @{ Path = $p }
            } }
        @{ Name = 'a GIF'; ErrorId = 'UnsupportedImageFormat'; Category = 'InvalidData'
            Make = {
                param($dir)
                $p = Join-Path $dir 'anim.png'
                [IO.File]::WriteAllBytes($p, [byte[]](0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x21, 0xF9, 4, 1, 0, 0, 0, 0, 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3B))
                @{ Path = $p }
            } }
        @{ Name = 'a BMP'; ErrorId = 'UnsupportedImageFormat'; Category = 'InvalidData'
            Make = {
                param($dir)
                # BITMAPFILEHEADER + BITMAPINFOHEADER of a 1x1 24-bit image.
                $bmp = [byte[]]::new(58)
                $bmp[0] = 0x42; $bmp[1] = 0x4D; $bmp[2] = 58; $bmp[10] = 54; $bmp[14] = 40; $bmp[18] = 1; $bmp[22] = 1; $bmp[26] = 1; $bmp[28] = 24
                $p = Join-Path $dir 'scan.jpg'
                [IO.File]::WriteAllBytes($p, $bmp)
                @{ Path = $p }
            } }
        @{ Name = 'a file locked by another program'; ErrorId = 'FileUnreadable'; Category = 'ReadError'
            Make = {
                param($dir)
                New-TestImage -Path $dir -Count 1 -Prefix 'locked'
                $p = Join-Path $dir 'locked1.png'
                # FileShare.None: .NET honours it between opens on Linux and macOS as well as on Windows.
                $script:Held = [IO.File]::Open($p, 'Open', 'ReadWrite', 'None')
                @{ Path = $p }
            } }
        @{ Name = 'a path on another provider (Env:)'; ErrorId = 'NotFileSystemPath'; Category = 'InvalidArgument'
            Message = 'Environment'; Make = { param($dir) @{ Path = 'Env:\PATH' } } }
        @{ Name = 'a prompt over 4000 characters'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'
            Make = { param($dir) @{ Path = (Join-Path $dir 'good2.png'); Prompt = ('sky ' * 1001) } } }
        @{ Name = 'an empty prompt'; ErrorId = 'PromptMissing'; Category = 'InvalidArgument'
            Make = { param($dir) @{ Path = (Join-Path $dir 'good2.png'); Prompt = '' } } }
        @{ Name = 'a blank prompt'; ErrorId = 'PromptMissing'; Category = 'InvalidArgument'
            Make = { param($dir) @{ Path = (Join-Path $dir 'good2.png'); Prompt = '   ' } } }
        @{ Name = 'an invalid -Size'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'
            Make = { param($dir) @{ Path = (Join-Path $dir 'good2.png'); Size = '2048x2048' } } }
        @{ Name = 'an invalid -Quality'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'
            Make = { param($dir) @{ Path = (Join-Path $dir 'good2.png'); Quality = 'ultra' } } }
        @{ Name = 'an invalid -Background'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'
            Make = { param($dir) @{ Path = (Join-Path $dir 'good2.png'); Background = 'green' } } }
    ) {
        param($Name, $ErrorId, $Category, $Make, $Message)
        $bad = & $Make $Dir
        # Values as they come (Join-Path's output is a wrapped string, as calculated properties give).
        $fields = [ordered]@{ Path = $bad.Path; Prompt = 'white studio backdrop' }
        foreach ($k in $bad.Keys) { $fields[$k] = $bad[$k] }
        $badRow = [pscustomobject]$fields
        # Rows as Import-Csv gives them: one bad job in the middle of good ones.
        $rows = @(
            [pscustomobject]@{ Path = $Good[0].FullName; Prompt = 'white studio backdrop' }
            [pscustomobject]@{ Path = $Good[1].FullName; Prompt = 'white studio backdrop' }
            $badRow
            [pscustomobject]@{ Path = $Good[2].FullName; Prompt = 'white studio backdrop' }
        )
        $results = $rows | Invoke-BackgroundReplace -ErrorVariable errs -ErrorAction SilentlyContinue

        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $errs[0].CategoryInfo.Category | Should -Be $Category
        if ($ErrorId -like 'Parameter*') {
            # The message names the parameter it failed on, as the binder's did.
            $param = @($bad.Keys | Where-Object { $_ -ne 'Path' })[0]
            $errs[0].ToString() | Should -Match "'$param'"
        }
        # The input is the target, and the message names its file.
        $errs[0].TargetObject | Should -BeLike ('*' + ($bad.Path -replace '^.*[\\/]', ''))
        $errs[0].ToString() | Should -Match ([regex]::Escape(($bad.Path -replace '^.*[\\/]', '')))
        if ($Message) { $errs[0].ToString() | Should -Match $Message }
        ($results.SourcePath | Sort-Object -Unique) | Should -Be $Good.FullName
        $results | Should -HaveCount 3
        # Checked before anything was sent: only the good files were uploaded and charged.
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.uploads | Should -Be 3
        $stats.charges | Should -Be 3
    }
}

Describe 'Inputs that are not what they seem, and files that change while they are sent (issue 10)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = Join-Path $TestDrive ([guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $Dir
        New-TestImage -Path $Dir -Count 2 -Prefix 'good'
        $script:Good = @(Get-ChildItem -LiteralPath $Dir -File | Sort-Object Name)
        $script:Socket = $null
    }

    AfterEach {
        if ($Socket) { $Socket.Dispose() }
    }

    It 'gives a FIFO, a socket, a link to a device and a link loop each a NotARegularFile error, and goes on' -Skip:$IsWindows {
        & mkfifo (Join-Path $Dir 'pipe.png')
        $LASTEXITCODE | Should -Be 0
        $script:Socket = [Net.Sockets.Socket]::new('Unix', 'Stream', 'Unspecified')
        $Socket.Bind([Net.Sockets.UnixDomainSocketEndPoint]::new((Join-Path $Dir 'socket.png')))
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $Dir 'random.png') -Target '/dev/urandom'
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $Dir 'loop.png') -Target (Join-Path $Dir 'loop.png') -Force
        # Get-ChildItem -File lists all of them; opening the FIFO would block the pipeline for ever.
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -ErrorVariable errs -ErrorAction SilentlyContinue

        $errs | Should -HaveCount 4
        $errs | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'NotARegularFile,*' }
        $byName = @{}
        $errs | ForEach-Object { $byName[(Split-Path -Leaf $_.TargetObject)] = $_.ToString() }
        $byName['pipe.png'] | Should -Match 'named pipe'
        $byName['socket.png'] | Should -Match 'a socket'
        $byName['random.png'] | Should -Match 'character device'
        $byName['loop.png'] | Should -Match 'loop'
        $errs | ForEach-Object { $_.ToString() | Should -Not -Match 'holds it open|is empty' }
        ($results.SourcePath | Sort-Object) | Should -Be $Good.FullName
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 2
    }

    It 'accepts a PNG with a NUL tail and refuses one without image data as such' {
        $bytes = [IO.File]::ReadAllBytes($Good[0].FullName)
        [IO.File]::WriteAllBytes((Join-Path $Dir 'tail.png'), [byte[]]($bytes + [byte[]]::new(4096)))
        # IHDR only, then IEND: the signature and IHDR are the first 33 bytes, IEND the last 12.
        [IO.File]::WriteAllBytes((Join-Path $Dir 'noidat.png'), [byte[]]($bytes[0..32] + $bytes[-12..-1]))

        $results = Invoke-BackgroundReplace -LiteralPath (Join-Path $Dir 'tail.png'), (Join-Path $Dir 'noidat.png') -Prompt 'x' -ErrorVariable errs -ErrorAction SilentlyContinue

        $results.SourcePath | Should -Be (Join-Path $Dir 'tail.png')
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NotAnImage,*'
        $errs[0].ToString() | Should -Match 'no IDAT'
    }

    It 'stops an image that changes while it is being sent, before paying for it, and records nothing for it' {
        # Larger than every buffer between the module and the emulator, so the change lands in bytes not yet read;
        # the small files are sent whole before the emulator would change anything.
        New-TestImage -Path $Dir -Count 1 -Prefix 'big' -Bytes 45MB
        $big = Join-Path $Dir 'big1.png'
        $original = Join-Path $TestDrive "original-$([guid]::NewGuid()).png"
        Copy-Item -LiteralPath $big -Destination $original
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'upload'; kind = 'change-during-upload'; path = $big }) }

        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -ErrorVariable errs -ErrorAction SilentlyContinue

        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'SourceChanged,*'
        $errs[0].ToString() | Should -Match 'changed while it was being sent'
        $errs[0].TargetObject | Should -Be $big
        ($results.SourcePath | Sort-Object) | Should -Be $Good.FullName
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.uploads | Should -Be 3
        $stats.charges | Should -Be 2
        $stats.chargesBySource.PSObject.Properties.Name | Should -Not -Contain 'big1.png'
        $stats.chargesBySource.PSObject.Properties.Name | Should -HaveCount 2
        # Nothing was recorded under the hash of the checked bytes: a run on the original pays for the original.
        # (the journal keeps only the released claim: CANCELLED, no record id)
        $filed = @(Get-BgResult | Where-Object SourcePath -eq $big)
        $filed.Status | Should -Not -Contain 'SUCCESS'
        $filed | Where-Object Id | Should -BeNullOrEmpty
        Set-OneMinEmulatorConfig $Emu @{ faults = @() }
        Copy-Item -LiteralPath $original -Destination $big -Force
        $again = Invoke-BackgroundReplace -LiteralPath $big -Prompt 'x'
        $again.Reused | Should -BeFalse
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 3
        (Get-OneMinEmulatorStats $Emu).chargesBySha256.PSObject.Properties.Name | Should -Contain (Get-FileHash -LiteralPath $original -Algorithm SHA256).Hash.ToLowerInvariant()
    }

    It 'reports a paid answer it cannot use (<Name>) as an outcome to check, never as not charged' -TestCases @(
        @{ Name = 'a success without uuid'; Kind = 'success-without-uuid'; Message = 'no uuid' }
        @{ Name = 'a redirect'; Kind = 'redirect'; Message = 'redirect' }
    ) {
        param($Name, $Kind, $Message)
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'feature'; kind = $Kind }) }

        $results = Invoke-BackgroundReplace -LiteralPath $Good[0].FullName -Prompt 'x' -ErrorVariable errs -ErrorAction SilentlyContinue

        $results | Should -BeNullOrEmpty
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'FeatureOutcomeUnknown,*'
        $errs[0].ToString() | Should -Match $Message
        $errs[0].ToString() | Should -Match 'may have been charged'
        $errs[0].ToString() | Should -Not -Match 'not charged|record\.Id'
        (Get-OneMinEmulatorStats $Emu).featureCalls | Should -Be 1
    }
}
