# Save-BgImage: names, destination, -Force and -WhatIf, renewed links, failed and hostile downloads,
# names sent by the server, Ctrl+C.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
}

AfterAll {
    Stop-SuiteEmulator $Emu
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
}

Describe 'Save-BgImage on results and downloads it cannot trust (issue 5, figures 4 and 6)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = Join-Path $TestDrive ([guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $Dir
    }

    It 'gives exactly one NoResultToSave error for a BgResult without results, and saves the good ones' {
        New-TestImage -Path $Dir -Count 3 -Prefix 'good'
        $Good = @(Get-ChildItem -LiteralPath $Dir -File | Sort-Object Name)
        $made = $Good | Invoke-BackgroundReplace -Prompt 'x' | Sort-Object SourcePath
        $empty = [OneMinBg.BgResult]@{ Id = 'b0b0b0b0-0000-4000-8000-000000000000'; Status = 'SUCCESS'; SourcePath = (Join-Path $Dir 'ghost.png') }
        $dest = Join-Path $Dir 'out'
        $files = @($made[0], $made[1], $empty, $made[2]) | Save-BgImage -Destination $dest -ErrorVariable errs -ErrorAction SilentlyContinue

        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NoResultToSave,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].TargetObject.Id | Should -Be $empty.Id
        $errs[0].ToString() | Should -Match 'ghost\.png'
        $files | Should -HaveCount 3
        Assert-AllCompletePngs -Folder $dest -Count 3
        (Get-OneMinEmulatorStats $Emu).downloads | Should -Be 3
    }

    It 'renews a link past its lifetime through the service and saves the image' {
        $src = Join-Path $TestDrive 'expired'
        $null = New-Item -ItemType Directory -Path $src
        New-TestImage -Path $src -Count 2
        Set-OneMinEmulatorConfig $Emu @{ linkTtlSeconds = 0 }
        $results = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'beach'
        Set-OneMinEmulatorConfig $Emu @{ linkTtlSeconds = 604800 }
        $files = $results | Save-BgImage -Destination (Join-Path $src 'out')
        $files | Should -HaveCount 2
        (Get-OneMinEmulatorStats $Emu).resultLookups | Should -Be 2
    }

    It 'keeps a server-sent name (<Name>) inside the destination as <Expected>' -TestCases @(
        @{ Name = 'parent traversal'; ImageUrl = 'images/../../evil.png'; Expected = 'evil_bg.png' }
        @{ Name = 'absolute path'; ImageUrl = '/etc/evil.png'; Expected = 'evil_bg.png' }
        @{ Name = 'windows drive'; ImageUrl = 'C:\Windows\evil.png'; Expected = 'evil_bg.png' }
        @{ Name = '..'; ImageUrl = '..'; Expected = '<id>_bg.png' }
        @{ Name = 'images/..'; ImageUrl = 'images/..'; Expected = '<id>_bg.png' }
        @{ Name = 'traversal to a dot file'; ImageUrl = 'images/../../.bashrc'; Expected = '<id>_bg.png' }
        @{ Name = 'CON'; ImageUrl = 'images/CON'; Expected = '_CON_bg.png' }
        @{ Name = 'NUL.png'; ImageUrl = 'images/NUL.png'; Expected = '_NUL_bg.png' }
        @{ Name = 'COM1'; ImageUrl = 'images/COM1.png'; Expected = '_COM1_bg.png' }
        @{ Name = 'lpt9 with a stream'; ImageUrl = 'images/lpt9.png:evil'; Expected = '_lpt9_bg.png' }
        @{ Name = 'a UNC path'; ImageUrl = '\\server\share\evil.png'; Expected = 'evil_bg.png' }
        @{ Name = '5000 characters'; ImageUrl = 'images/' + ('a' * 5000) + '.png'; Expected = ('a' * 120) + '_bg.png' }
        @{ Name = '5000 CJK characters'; ImageUrl = 'images/' + ([string][char]0x732B * 5000) + '.png'; Expected = ([string][char]0x732B * 40) + '_bg.png' }
    ) {
        param($Name, $ImageUrl, $Expected)
        New-TestImage -Path $Dir -Count 1
        $result = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x'
        $result.SourcePath = $null
        $result.ImageUrl = $ImageUrl
        $dest = Join-Path $Dir 'out'
        $file = $result | Save-BgImage -Destination $dest
        $file.Name | Should -Be ($Expected -replace '<id>', $result.Id)
        $file.DirectoryName | Should -Be $dest
        @(Get-ChildItem -LiteralPath $Dir -Recurse -File -Force | Where-Object { $_.DirectoryName -ne $Dir -and $_.DirectoryName -ne $dest }) | Should -HaveCount 0
        Assert-AllCompletePngs -Folder $dest -Count 1
    }

    It 'saves the result of a source file whose name is as long as the file system allows' {
        # 81 three-byte characters and '.png': 247 of the 255 bytes Linux allows in a name. The result's name,
        # and the temporary name it is downloaded under, must still fit.
        New-TestImage -Path $Dir -Count 1 -Prefix 'x'
        $long = Join-Path $Dir (([string][char]0x732B * 81) + '.png')
        Move-Item -LiteralPath (Join-Path $Dir 'x1.png') -Destination $long
        $file = Get-Item -LiteralPath $long | Invoke-BackgroundReplace -Prompt 'x' | Save-BgImage -Destination (Join-Path $Dir 'out')
        $file.Name | Should -Be (([string][char]0x732B * 40) + '_bg.png')
        Assert-AllCompletePngs -Folder (Join-Path $Dir 'out') -Count 1
    }

    It 'keeps nothing of a download that is not an image' {
        New-TestImage -Path $Dir -Count 2
        $made = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x'
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'download'; kind = 'not-image'; count = 1 }) }
        $files = $made | Save-BgImage -Destination (Join-Path $Dir 'out') -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $files | Should -HaveCount 1
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidDownload,*'
        $errs[0].ToString() | Should -Match 'not a PNG, JPEG or WebP'
        Assert-AllCompletePngs -Folder (Join-Path $Dir 'out') -Count 1
    }

    It 'cancels downloads in flight and leaves no file, partial or whole' {
        New-TestImage -Path $Dir -Count 4
        $made = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x'
        $dest = Join-Path $Dir 'out'
        Set-OneMinEmulatorConfig $Emu @{ downloadLatencyMs = 60000 }
        $run = Start-InRunspace -Script 'param() $made | Save-BgImage -Destination $dest' -Variables @{ made = $made; dest = $dest }
        Wait-Until { (Get-OneMinEmulatorStats $Emu).downloads -ge 4 } -Because 'all four downloads are in flight'
        $stop = $run.PowerShell.BeginStop($null, $null)
        $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30)) | Should -BeTrue -Because 'Stop() returns while downloads are still being served'
        $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        @(Get-ChildItem -LiteralPath $dest -Force -ErrorAction SilentlyContinue) | Should -HaveCount 0
        $run.PowerShell.Dispose()
    }
}
