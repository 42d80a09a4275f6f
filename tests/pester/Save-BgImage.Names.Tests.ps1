# Save-BgImage names that never collide, across runs too (issue 12 item 3), and the save path's smaller
# items of issue 12 item 6: expired links renewed first, a read-only destination, the last file's output.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu

    function New-Product([string] $Folder, [string] $Name, [int] $Width) {
        # One source image at $Folder/$Name, whose content differs with $Width.
        $null = New-Item -ItemType Directory -Path $Folder -Force
        $tmp = Join-Path $TestDrive ([guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $tmp
        New-TestImage -Path $tmp -Count 1 -Width $Width -Height 64 -Prefix 'p'
        Move-Item -LiteralPath (Join-Path $tmp 'p1.png') -Destination (Join-Path $Folder $Name)
        Get-Item -LiteralPath (Join-Path $Folder $Name)
    }

    function Get-Hash8([string] $Path) {
        (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.Substring(0, 8).ToLowerInvariant()
    }

    function Get-Downloads { (Get-OneMinEmulatorStats $Emu).downloads }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Save-BgImage names that stay their source''s (issue 12 item 3)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Root = New-Folder
        $script:Out = Join-Path $Root 'out'
    }

    It 'gives night 2''s b/photo.png its own name beside night 1''s a/photo.png, and -Force never touches a''s file' {
        $a = New-Product (Join-Path $Root 'a') 'photo.png' 64
        $b = New-Product (Join-Path $Root 'b') 'photo.png' 72
        $night1 = $a | Invoke-BackgroundReplace -Prompt 'studio' | Save-BgImage -Destination $Out
        $night1.Name | Should -Be 'photo_bg.png'
        $aHash = (Get-FileHash -LiteralPath $night1.FullName).Hash

        $night2 = $b | Invoke-BackgroundReplace -Prompt 'studio' |
            Save-BgImage -Destination $Out -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 0
        $night2.Name | Should -Be "photo_$(Get-Hash8 $b.FullName)_bg.png"

        # -Force on b never overwrites a's image; a's "re-saving is free" still holds.
        $forced = $b | Invoke-BackgroundReplace -Prompt 'studio' | Save-BgImage -Destination $Out -Force
        $forced.Name | Should -Be $night2.Name
        (Get-FileHash -LiteralPath $night1.FullName).Hash | Should -Be $aHash
        $before = Get-Downloads
        $again = $a, $b | Invoke-BackgroundReplace -Prompt 'studio' |
            Save-BgImage -Destination $Out -ErrorVariable errs2 -ErrorAction SilentlyContinue
        $errs2 | Should -HaveCount 0
        ($again.Name | Sort-Object) | Should -Be (@($night1.Name, $night2.Name) | Sort-Object)
        Get-Downloads | Should -Be $before
        @(Get-ChildItem -LiteralPath $Out) | Should -HaveCount 2
    }

    It '-Force replaces the same source''s earlier result (another prompt) and nothing else' {
        $a = New-Product (Join-Path $Root 'a') 'photo.png' 64
        $first = $a | Invoke-BackgroundReplace -Prompt 'studio' | Save-BgImage -Destination $Out
        $other = $a | Invoke-BackgroundReplace -Prompt 'beach'
        $null = $other | Save-BgImage -Destination $Out -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'DestinationExists,*'
        $errs[0].ToString() | Should -Match 'earlier result of the same source'
        $errs[0].ToString() | Should -Match '-Force'
        $replaced = $other | Save-BgImage -Destination $Out -Force
        $replaced.FullName | Should -Be $first.FullName
        @(Get-ChildItem -LiteralPath $Out) | Should -HaveCount 1
    }

    It 'gives the same names whatever order the results arrive in, on later runs and with {Hash8} or -RelativeTo' {
        $a = New-Product (Join-Path $Root 'a') 'photo.png' 64
        $b = New-Product (Join-Path $Root 'b') 'photo.png' 72
        $made = @($a, $b | Invoke-BackgroundReplace -Prompt 'studio' | Sort-Object SourcePath)
        $reversed = @($made[1], $made[0])
        $names = {
            param($Results, $Folder, [hashtable] $Extra)
            $Results | Save-BgImage -Destination $Folder @Extra | ForEach-Object {
                $_.FullName.Substring($Folder.Length)
            } | Sort-Object
        }
        # Night 1 held a alone; in night 2 a and b arrive in either order.
        foreach ($dest in 'o1', 'o2') { $null = $made[0] | Save-BgImage -Destination (Join-Path $Root $dest) }
        $forward = & $names $made (Join-Path $Root 'o1') @{}
        $backward = & $names $reversed (Join-Path $Root 'o2') @{}
        $backward | Should -Be $forward
        $forward | Should -Contain ([IO.Path]::DirectorySeparatorChar + 'photo_bg.png')

        # In one run, the names that never depend on the order.
        $hashForward = & $names $made (Join-Path $Root 'h1') @{ NameTemplate = '{BaseName}_{Hash8}' }
        $hashBackward = & $names $reversed (Join-Path $Root 'h2') @{ NameTemplate = '{BaseName}_{Hash8}' }
        $hashBackward | Should -Be $hashForward
        $relForward = & $names $made (Join-Path $Root 'r1') @{ RelativeTo = $Root }
        $relBackward = & $names $reversed (Join-Path $Root 'r2') @{ RelativeTo = $Root }
        $relBackward | Should -Be $relForward
        $sep = [IO.Path]::DirectorySeparatorChar
        $relForward | Should -Be @("${sep}a${sep}photo_bg.png", "${sep}b${sep}photo_bg.png")
    }

    It 'keeps two long names that share their start apart, and a re-run downloads nothing' {
        $long = 'x' * 150
        $front = New-Product $Root "$long-front.png" 64
        $back = New-Product $Root "$long-back.png" 72
        $files = $front, $back | Invoke-BackgroundReplace -Prompt 'studio' | Save-BgImage -Destination $Out
        @($files.Name | Sort-Object -Unique) | Should -HaveCount 2
        $files.Name | ForEach-Object { $_ | Should -Match '^x{111}_[0-9a-f]{8}_bg\.png$' }
        $before = Get-Downloads
        $again = $front, $back | Invoke-BackgroundReplace -Prompt 'studio' | Save-BgImage -Destination $Out
        ($again.Name | Sort-Object) | Should -Be ($files.Name | Sort-Object)
        Get-Downloads | Should -Be $before
    }

    It '-RelativeTo keeps the folders, refuses a source outside it, and a re-run downloads nothing' {
        $catalog = Join-Path $Root 'catalog'
        $x = New-Product (Join-Path $catalog 'a/b') 'x.png' 64
        $y = New-Product $catalog 'y.png' 72
        $outside = New-Product (Join-Path $Root 'elsewhere') 'z.png' 80
        $made = $x, $y, $outside | Invoke-BackgroundReplace -Prompt 'studio'
        # A relative path with '..' resolves like every other path parameter.
        $files = $made | Save-BgImage -Destination $Out -RelativeTo (Join-Path $catalog 'a/..') `
            -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'SourceOutsideRelativeTo,*'
        $errs[0].ToString() | Should -Match ([regex]::Escape($outside.FullName))
        ($files.FullName | Sort-Object) | Should -Be @(
            (Join-Path $Out 'a/b/x_bg.png'), (Join-Path $Out 'y_bg.png'))
        $before = Get-Downloads
        $again = $made | Where-Object SourcePath -ne $outside.FullName |
            Save-BgImage -Destination $Out -RelativeTo $catalog
        $again | Should -HaveCount 2
        Get-Downloads | Should -Be $before
    }

    It '-NameTemplate names a result by its source name, size and record id; a re-run downloads nothing' {
        $cat = New-Product $Root 'cat.png' 64
        $made = $cat | Invoke-BackgroundReplace -Prompt 'studio' -Size 1024x1536
        $file = $made | Save-BgImage -Destination $Out -NameTemplate '{BaseName}_{Size}_{Id8}'
        $file.Name | Should -Be "cat_1024x1536_$($made.Id.Substring(0, 8)).png"
        $before = Get-Downloads
        ($made | Save-BgImage -Destination $Out -NameTemplate '{BaseName}_{Size}_{Id8}').Name | Should -Be $file.Name
        Get-Downloads | Should -Be $before
    }

    It 'refuses a bad -NameTemplate before anything is downloaded, listing the tokens' {
        $made = New-Product $Root 'cat.png' 64 | Invoke-BackgroundReplace -Prompt 'studio'
        $before = Get-Downloads
        { $made | Save-BgImage -Destination $Out -NameTemplate '{Name}_bg' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidNameTemplate,*' -ExpectedMessage '*{BaseName}, {Extension}*'
        Get-Downloads | Should -Be $before
        Test-Path -LiteralPath $Out | Should -BeFalse
    }
}

Describe 'Save-BgImage links, read-only folders and the last file (issue 12 item 6)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Root = New-Folder
    }

    It 'renews a link whose expiry has passed before trying it' {
        New-TestImage -Path $Root -Count 2
        Set-OneMinEmulatorConfig $Emu @{ linkTtlSeconds = 0 }
        $made = Get-ChildItem -LiteralPath $Root -File | Invoke-BackgroundReplace -Prompt 'beach'
        Set-OneMinEmulatorConfig $Emu @{ linkTtlSeconds = 604800 }
        $before = Get-OneMinEmulatorStats $Emu
        $files = $made | Save-BgImage -Destination (Join-Path $Root 'out')
        $files | Should -HaveCount 2
        $after = Get-OneMinEmulatorStats $Emu
        $after.resultLookups - $before.resultLookups | Should -Be 2
        $after.downloads - $before.downloads | Should -Be 2 -Because 'no expired link is tried first'
    }

    It 'stops once, naming the folder, when -Destination is read-only' {
        $ro = Join-Path $Root 'ro'
        $null = New-Item -ItemType Directory -Path $ro
        $mounted = $false
        if ($IsLinux) {
            & mount -t tmpfs -o ro,size=64k tmpfs $ro 2>$null
            $mounted = $LASTEXITCODE -eq 0
        }
        if (-not $mounted) { Set-ItResult -Skipped -Because 'a read-only folder needs mount rights here'; return }
        try {
            New-TestImage -Path $Root -Count 3
            $made = Get-ChildItem -LiteralPath $Root -File | Invoke-BackgroundReplace -Prompt 'x'
            $before = Get-Downloads
            $err = $null
            try { $null = $made | Save-BgImage -Destination $ro -ErrorVariable errs -ErrorAction SilentlyContinue }
            catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike 'DestinationUnwritable,*'
            $err.ToString() | Should -Match ([regex]::Escape("'$ro'"))
            $err.ToString() | Should -Match 'read-only'
            $err.ToString() | Should -Not -Match 'partial'
            # One error for the folder, none per image.
            @($errs | Where-Object {
                "$($_.FullyQualifiedErrorId)" -like 'DestinationUnwritable*' -and $_.ToString() -ne $err.ToString()
            }) | Should -HaveCount 0
            Get-Downloads | Should -Be $before
        }
        finally { & umount $ro }
    }

    It 'writes the name of every file it saved when the service runs out of credits upstream' {
        New-TestImage -Path $Root -Count 8
        $out = Join-Path $Root 'out'
        # 6 images' worth of credits: the 7th is refused and the batch ends with a terminating error. One image at
        # a time, each upload slow: the 6th result's download is done while the 7th is still uploading, and
        # Save-BgImage gets no more input before the error ends the pipeline.
        Set-OneMinEmulatorConfig $Emu @{ credits = 60; creditCost = 10; uploadLatencyMs = 1000 }
        $names = [Collections.Generic.List[string]]::new()
        try {
            Get-ChildItem -LiteralPath $Root -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 1 |
                Save-BgImage -Destination $out | ForEach-Object { $names.Add($_.Name) }
        }
        catch { $stopped = $_ }
        finally { Set-OneMinEmulatorConfig $Emu @{ credits = 1000000; uploadLatencyMs = 0 } }
        $stopped | Should -Not -BeNullOrEmpty
        $saved = @(Get-ChildItem -LiteralPath $out -ErrorAction SilentlyContinue | Where-Object Name -like '*_bg.png')
        ($names | Sort-Object) | Should -Be ($saved.Name | Sort-Object) `
            -Because 'every file in place reached the pipeline'
        @(Get-ChildItem -LiteralPath $out -Filter '*.partial' -ErrorAction SilentlyContinue) | Should -HaveCount 0
        # What was paid for and not written is saved by the next run, for free.
        $charges = (Get-OneMinEmulatorStats $Emu).charges
        $null = Get-BgResult -Status SUCCESS | Save-BgImage -Destination $out
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be $charges
        @(Get-ChildItem -LiteralPath $out -Filter '*_bg.png').Count | Should -Be $charges
    }
}
