# Save-BgImage writes the file system provider's own items (issue 15 item 3): what Get-Item writes for the
# saved file, so the file cmdlets downstream bind it by PSPath (names with '[ ]' too), and the Unix columns
# are filled; with notes that name the result.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Save-BgImage output as the file system provider writes it' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Src = New-Folder
        New-TestImage -Path $Src -Count 1 -Prefix 'pic['
        Rename-Item -LiteralPath (Join-Path $Src 'pic[1.png') -NewName 'pic[1].png'
        $script:Made = Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'studio'
        $script:Made | Should -HaveCount 1
    }

    BeforeEach {
        $script:Dest = Join-Path (New-Folder) 'out [a]'
    }

    It 'writes the properties Get-Item writes for the same file, with the same PSPath, provider and drive' {
        $file = $Made | Save-BgImage -Destination $Dest
        $item = Get-Item -LiteralPath $file.FullName
        $file.Name | Should -Be 'pic[1]_bg.png'
        $file | Should -BeOfType ([IO.FileInfo])
        $own = 'BgResultId', 'BgSourcePath', 'BgResult'
        $names = @($file.PSObject.Properties.Name | Where-Object { $_ -notin $own })
        $names | Should -Be @($item.PSObject.Properties.Name)
        foreach ($name in 'PSPath', 'PSParentPath', 'PSChildName', 'PSIsContainer') {
            $file.$name | Should -Be $item.$name -Because "$name is what Get-Item gives"
        }
        $file.PSPath | Should -BeLike 'Microsoft.PowerShell.Core\FileSystem::*'
        $file.PSProvider.Name | Should -Be 'FileSystem'
        $file.PSDrive.Name | Should -Be $item.PSDrive.Name
        $file.PSIsContainer | Should -BeFalse
    }

    It 'fills the Unix columns (UnixMode, User, Group, Size) and shows the same table row as Get-Item' -Skip:($IsWindows -or $PSVersionTable.PSVersion.Major -lt 7) {
        $file = $Made | Save-BgImage -Destination $Dest
        $item = Get-Item -LiteralPath $file.FullName
        foreach ($name in 'UnixMode', 'User', 'Group', 'Size') {
            "$($file.$name)" | Should -Not -BeNullOrEmpty -Because "the $name column is filled"
            $file.$name | Should -Be $item.$name
        }
        $file.Size | Should -Be $file.Length
        ($file | Out-String -Width 120) | Should -Be ($item | Out-String -Width 120)
    }

    It 'names its result in BgResultId, BgSourcePath and BgResult' {
        $file = $Made | Save-BgImage -Destination $Dest
        $file.BgResultId | Should -Be $Made.Id
        $file.BgSourcePath | Should -Be $Made.SourcePath
        $file.BgResult | Should -BeOfType ([OneMinBg.BgResult])
        $file.BgResult.Prompt | Should -Be 'studio'
    }

    It 'writes the provider item for a file it finds already saved, too (a re-run downloads nothing)' {
        $first = $Made | Save-BgImage -Destination $Dest
        $downloads = (Get-OneMinEmulatorStats $Emu).downloads
        $again = $Made | Save-BgImage -Destination $Dest
        (Get-OneMinEmulatorStats $Emu).downloads | Should -Be $downloads
        $again.PSPath | Should -Be $first.PSPath
        $again.PSProvider.Name | Should -Be 'FileSystem'
        $again.BgResultId | Should -Be $Made.Id
    }

    It '| Copy-Item copies a file named with [ ] by its PSPath' {
        $other = New-Folder
        $Made | Save-BgImage -Destination $Dest | Copy-Item -Destination $other
        $copied = @(Get-ChildItem -LiteralPath $other)
        $copied.Name | Should -Be 'pic[1]_bg.png'
        (Get-FileHash -LiteralPath $copied[0].FullName).Hash |
            Should -Be (Get-FileHash -LiteralPath (Join-Path $Dest 'pic[1]_bg.png')).Hash
    }

    It '| Rename-Item and | Remove-Item bind a file named with [ ] by its PSPath' {
        $Made | Save-BgImage -Destination $Dest | Rename-Item -NewName 'renamed [x].png'
        @(Get-ChildItem -LiteralPath $Dest).Name | Should -Be 'renamed [x].png'

        $Made | Save-BgImage -Destination (Join-Path $Dest 'again') | Remove-Item
        @(Get-ChildItem -LiteralPath (Join-Path $Dest 'again')) | Should -HaveCount 0
    }

    It 'writes the provider item when the current location is not on the file system' {
        Push-Location Env:
        try { $file = $Made | Save-BgImage -Destination $Dest }
        finally { Pop-Location }
        $file.PSProvider.Name | Should -Be 'FileSystem'
        $file | Copy-Item -Destination (Join-Path $Dest 'copy.png')
        Test-Path -LiteralPath (Join-Path $Dest 'copy.png') | Should -BeTrue
    }

    It 'writes nothing and saves nothing with -WhatIf' {
        $out = $Made | Save-BgImage -Destination $Dest -WhatIf
        $out | Should -BeNullOrEmpty
        Test-Path -LiteralPath $Dest | Should -BeFalse
    }
}
