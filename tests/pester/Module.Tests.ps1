BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Loading the module' {
    It 'imports in a fresh pwsh -NoProfile and exports exactly its cmdlets' {
        $out = Invoke-FreshPwsh "Import-Module '$ModulePath'; (Get-Command -Module OneMinBg | Sort-Object Name).Name -join ','"
        $LASTEXITCODE | Should -Be 0
        ($out | Select-Object -Last 1) | Should -Be 'Get-BgResult,Get-OneMinBgConfig,Invoke-BackgroundReplace,Save-BgImage,Set-OneMinBgConfig,Test-OneMinBgConnection'
    }

    It 'imports twice with -Force in one process' {
        $out = Invoke-FreshPwsh "Import-Module '$ModulePath'; Import-Module '$ModulePath' -Force; (Get-Module OneMinBg).Version.ToString()"
        $LASTEXITCODE | Should -Be 0
        ($out | Select-Object -Last 1) | Should -Be (Import-PowerShellDataFile (Join-Path $RepoRoot 'OneMinBg.psd1')).ModuleVersion
    }

    It 'declares its output types' {
        (Get-Command Invoke-BackgroundReplace).OutputType.Name | Should -Be 'OneMinBg.BgResult'
        (Get-Command Get-BgResult).OutputType.Name | Should -Be 'OneMinBg.BgResult'
        (Get-Command Save-BgImage).OutputType.Name | Should -Be 'System.IO.FileInfo'
    }
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
            $_.CreatedAt | Should -BeOfType ([datetime])
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
            Should -Throw -ExpectedMessage '*objects with a Path property*'
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

    It 'reports bad files one by one and still processes the good ones' {
        New-TestImage -Path $Dir -Count 2 -Prefix 'good'
        Set-Content -LiteralPath (Join-Path $Dir 'notes.png') -Value 'this is text, not an image'
        $null = New-Item -ItemType File -Path (Join-Path $Dir 'empty.png')
        $null = New-Item -ItemType Directory -Path (Join-Path $Dir 'folder.png')
        $bytes = [IO.File]::ReadAllBytes((Join-Path $Dir 'good1.png'))
        [IO.File]::WriteAllBytes((Join-Path $Dir 'cut.png'), $bytes[0..($bytes.Length / 2)])

        $inputs = @('good1.png', 'notes.png', 'empty.png', 'folder.png', 'cut.png', 'missing.png', 'good2.png') |
            ForEach-Object { Join-Path $Dir $_ }
        $results = Invoke-BackgroundReplace -LiteralPath $inputs -Prompt 'x' -ErrorVariable errs -ErrorAction SilentlyContinue

        $results | Should -HaveCount 2
        $errs | Should -HaveCount 5
        $ids = $errs | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] }
        $ids | Should -Be @('NotAnImage', 'FileEmpty', 'PathIsDirectory', 'ImageTruncated', 'FileNotFound')
        $errs[0].TargetObject | Should -Be (Join-Path $Dir 'notes.png')
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].ToString() | Should -Match 'notes\.png'
        $errs[4].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        (Get-OneMinEmulatorStats $Emu).uploads | Should -Be 2
    }

    It 'refuses a path that is not on the file system' {
        $null = Invoke-BackgroundReplace -LiteralPath 'Env:\PATH' -Prompt 'x' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NotFileSystemPath,*'
        $errs[0].ToString() | Should -Match 'Environment'
    }

    It 'rejects a prompt over 4000 characters before uploading anything' {
        New-TestImage -Path $Dir -Count 1
        { Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt ('x' * 4001) -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,OneMinBg.Commands.InvokeBackgroundReplaceCommand'
        (Get-OneMinEmulatorStats $Emu).uploads | Should -Be 0
    }

    It 'reports an API rejection with the service message and HTTP status, naming the file' {
        New-TestImage -Path $Dir -Count 1
        $null = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -Model 'no-such-model' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ApiRejected,*'
        $errs[0].ToString() | Should -Match 'image1\.png'
        $errs[0].ToString() | Should -Match '400'
        $errs[0].ToString() | Should -Match 'UNSUPPORTED_MODEL'
    }

    It 'results survive Export-Csv and ConvertTo-Json' {
        New-TestImage -Path $Dir -Count 2
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x'
        $csv = Join-Path $Dir 'results.csv'
        $results | Export-Csv -LiteralPath $csv -NoTypeInformation
        $rows = Import-Csv -LiteralPath $csv
        $rows | Should -HaveCount 2
        ($rows.Id | Sort-Object) | Should -Be ($results.Id | Sort-Object)
        $rows[0].PSObject.Properties.Name | Should -Contain 'TemporaryUrl'
        $json = $results | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        ($json.Id | Sort-Object) | Should -Be ($results.Id | Sort-Object)
        $json[0].ResultKeys | Should -HaveCount 1
    }
}

Describe 'Get-BgResult' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = Join-Path $TestDrive 'get'
        $null = New-Item -ItemType Directory -Path $Dir
        New-TestImage -Path $Dir -Count 2
        $script:Made = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x'
    }

    It 'looks results up again by id from the pipeline, with a fresh link' {
        $again = $Made | Get-BgResult
        $again | Should -HaveCount 2
        ($again.Id | Sort-Object) | Should -Be ($Made.Id | Sort-Object)
        $again | ForEach-Object { $_.TemporaryUrl | Should -Match '^http' }
        ($again.SourcePath | Sort-Object) | Should -Be ($Made.SourcePath | Sort-Object)
    }

    It 'writes a non-terminating ObjectNotFound error for an unknown id and goes on' {
        $found = Get-BgResult -Id 'no-such-id', $Made[0].Id -ErrorVariable errs -ErrorAction SilentlyContinue
        $found | Should -HaveCount 1
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ResultNotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 'no-such-id'
    }
}

Describe 'Save-BgImage' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Src = Join-Path $TestDrive 'save-src'
        $null = New-Item -ItemType Directory -Path $Src
        New-TestImage -Path $Src -Count 2 -Prefix 'shot [v2] '
        $script:Made = Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'x' | Sort-Object SourcePath
    }

    BeforeEach {
        $script:Dest = Join-Path $TestDrive ([guid]::NewGuid())
    }

    It 'saves each result as ''source name''_bg.png in a new folder and emits FileInfo' {
        $files = $Made | Save-BgImage -Destination $Dest
        $files | Should -HaveCount 2
        $files | ForEach-Object { $_ | Should -BeOfType ([IO.FileInfo]) }
        ($files.Name | Sort-Object) | Should -Be @('shot [v2] 1_bg.png', 'shot [v2] 2_bg.png')
        $files | ForEach-Object {
            $bytes = [IO.File]::ReadAllBytes($_.FullName)
            $bytes[1..3] | Should -Be @(0x50, 0x4E, 0x47)   # 'PNG'
        }
        (Get-ChildItem -LiteralPath $Dest).Count | Should -Be 2
        (Get-OneMinEmulatorStats $Emu).downloadRequestsWithKey | Should -Be 0
    }

    It 'saves into the current location by default' {
        $null = New-Item -ItemType Directory -Path $Dest
        Push-Location $Dest
        try { $file = $Made[0] | Save-BgImage }
        finally { Pop-Location }
        $file.DirectoryName | Should -Be $Dest
    }

    It 'never overwrites without -Force, and overwrites with it' {
        $first = $Made[0] | Save-BgImage -Destination $Dest
        [IO.File]::WriteAllText($first.FullName, 'keep me')
        $null = $Made[0] | Save-BgImage -Destination $Dest -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'DestinationExists,*'
        $errs[0].ToString() | Should -Match '-Force'
        [IO.File]::ReadAllText($first.FullName) | Should -Be 'keep me'
        $again = $Made[0] | Save-BgImage -Destination $Dest -Force
        $again.Length | Should -BeGreaterThan 100
    }

    It 'writes nothing with -WhatIf' {
        $Made | Save-BgImage -Destination $Dest -WhatIf
        Test-Path $Dest | Should -BeFalse
    }

    It 'saves results looked up again with Get-BgResult' {
        $files = $Made | Get-BgResult | Save-BgImage -Destination $Dest
        ($files.Name | Sort-Object) | Should -Be @('shot [v2] 1_bg.png', 'shot [v2] 2_bg.png')
    }

    It 'leaves no file when the download fails' {
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'download'; kind = 'truncated'; rate = 1 }) }
        try {
            $null = $Made[0] | Save-BgImage -Destination $Dest -MaximumRetryCount 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        }
        finally { Set-OneMinEmulatorConfig $Emu @{ faults = @() } }
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidDownload,*'
        @(Get-ChildItem -LiteralPath $Dest -Force -ErrorAction SilentlyContinue).Count | Should -Be 0
    }

    It 'renews an expired link through the service and saves the image' {
        $stale = $Made[0] | Get-BgResult
        $stale.TemporaryUrl = $stale.TemporaryUrl -replace 'X-Amz-Signature=[0-9a-f]+', 'X-Amz-Signature=00'
        $file = $stale | Save-BgImage -Destination $Dest
        $file.Name | Should -Be 'shot [v2] 1_bg.png'
    }

    It 'refuses a result that has no image' {
        $failed = [OneMinBg.BgResult]@{ Id = 'abc'; Status = 'FAILURE'; SourcePath = '/x/cat.png' }
        $null = $failed | Save-BgImage -Destination $Dest -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NoResultToSave,*'
        $errs[0].ToString() | Should -Match 'cat\.png'
    }

    It 'keeps a server-sent name inside the destination (<Name>)' -TestCases @(
        @{ Name = 'parent traversal'; Key = 'images/../../evil.png' }
        @{ Name = 'absolute path'; Key = '/etc/evil.png' }
        @{ Name = 'windows drive'; Key = 'C:\Windows\evil.png' }
    ) {
        param($Name, $Key)
        $result = $Made[0] | Get-BgResult
        $result.SourcePath = $null
        $result.ImageUrl = $Key
        $file = $result | Save-BgImage -Destination $Dest
        $file.DirectoryName | Should -Be $Dest
        $file.Name | Should -Be 'evil_bg.png'
    }
}

Describe 'The whole pipeline' {
    It 'Get-ChildItem | Invoke-BackgroundReplace | Save-BgImage saves every image' {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $src = Join-Path $TestDrive 'pipe-src'
        $out = Join-Path $TestDrive 'pipe-out'
        $null = New-Item -ItemType Directory -Path $src
        New-TestImage -Path $src -Count 5
        $files = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'white studio backdrop' | Save-BgImage -Destination $out
        $files | Should -HaveCount 5
        (Get-ChildItem -LiteralPath $out -File).Count | Should -Be 5
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.charges | Should -Be 5
        $stats.downloadRequestsWithKey | Should -Be 0
    }
}
