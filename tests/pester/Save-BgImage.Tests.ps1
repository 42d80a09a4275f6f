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
        $script:Made = Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'x' |
            Sort-Object SourcePath
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
            $null = $Made[0] |
                Save-BgImage -Destination $Dest -MaximumRetryCount 1 -ErrorVariable errs -ErrorAction SilentlyContinue
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
        $empty = [OneMinBg.BgResult]@{
            Id = 'b0b0b0b0-0000-4000-8000-000000000000'; Status = 'SUCCESS'; SourcePath = (Join-Path $Dir 'ghost.png')
        }
        $dest = Join-Path $Dir 'out'
        $files = @($made[0], $made[1], $empty, $made[2]) |
            Save-BgImage -Destination $dest -ErrorVariable errs -ErrorAction SilentlyContinue

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
        @{
            Name = '5000 characters'; ImageUrl = 'images/' + ('a' * 5000) + '.png'
            Expected = ('a' * 111) + '_<hash>_bg.png'
        }
        @{
            Name = '5000 CJK characters'; ImageUrl = 'images/' + ([string][char]0x732B * 5000) + '.png'
            Expected = ([string][char]0x732B * 37) + '_<hash>_bg.png'
        }
    ) {
        param($Name, $ImageUrl, $Expected)
        New-TestImage -Path $Dir -Count 1
        $result = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x'
        $result.SourcePath = $null
        $result.ImageUrl = $ImageUrl
        $dest = Join-Path $Dir 'out'
        $file = $result | Save-BgImage -Destination $dest
        # A name cut to fit ends with 8 hex digits of the whole name, so two long names stay two names.
        $pattern = [regex]::Escape(($Expected -replace '<id>', $result.Id)).Replace('<hash>', '[0-9a-f]{8}')
        $file.Name | Should -Match "^$pattern$"
        $file.DirectoryName | Should -Be $dest
        @(Get-ChildItem -LiteralPath $Dir -Recurse -File -Force |
            Where-Object { $_.DirectoryName -ne $Dir -and $_.DirectoryName -ne $dest }) | Should -HaveCount 0
        Assert-AllCompletePngs -Folder $dest -Count 1
    }

    It 'saves the result of a source file whose name is as long as the file system allows' {
        # 81 three-byte characters and '.png': 247 of the 255 bytes Linux allows in a name. The result's name,
        # and the temporary name it is downloaded under, must still fit.
        New-TestImage -Path $Dir -Count 1 -Prefix 'x'
        $long = Join-Path $Dir (([string][char]0x732B * 81) + '.png')
        Move-Item -LiteralPath (Join-Path $Dir 'x1.png') -Destination $long
        $file = Get-Item -LiteralPath $long | Invoke-BackgroundReplace -Prompt 'x' |
            Save-BgImage -Destination (Join-Path $Dir 'out')
        $file.Name | Should -Match ('^' + ([string][char]0x732B * 37) + '_[0-9a-f]{8}_bg\.png$')
        Assert-AllCompletePngs -Folder (Join-Path $Dir 'out') -Count 1
    }

    It 'keeps nothing of a download that is not an image' {
        New-TestImage -Path $Dir -Count 2
        $made = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x'
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'download'; kind = 'not-image'; count = 1 }) }
        $files = $made | Save-BgImage -Destination (Join-Path $Dir 'out') -ThrottleLimit 1 -ErrorVariable errs `
            -ErrorAction SilentlyContinue
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
        $run = Start-InRunspace -Script 'param() $made | Save-BgImage -Destination $dest' `
            -Variables @{ made = $made; dest = $dest }
        Wait-Until { (Get-OneMinEmulatorStats $Emu).downloads -ge 4 } -Because 'all four downloads are in flight'
        $stop = $run.PowerShell.BeginStop($null, $null)
        $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30)) |
            Should -BeTrue -Because 'Stop() returns while downloads are still being served'
        $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        @(Get-ChildItem -LiteralPath $dest -Force -ErrorAction SilentlyContinue) | Should -HaveCount 0
        $run.PowerShell.Dispose()
    }
}

Describe 'Save-BgImage after a kill, on slow hosts and on results of the wrong size (issue 10)' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Src10 = Join-Path $TestDrive 'issue10-src'
        $null = New-Item -ItemType Directory -Path $Src10
        New-TestImage -Path $Src10 -Count 2 -Prefix 'i10-'
        $script:Made10 = Get-ChildItem -LiteralPath $Src10 -File | Invoke-BackgroundReplace -Prompt 'x' |
            Sort-Object SourcePath
    }

    BeforeEach {
        Set-OneMinEmulatorConfig $Emu @{ faults = @() }
        $script:Dest = Join-Path $TestDrive ([guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $Dest
    }

    AfterEach {
        Set-OneMinEmulatorConfig $Emu @{ faults = @() }
    }

    It 'removes the .partial file a killed save left, and never that of a save still running' {
        # Only the child's download drips, so it stays mid-body until it is killed.
        Set-OneMinEmulatorConfig $Emu @{
            faults = @(@{ endpoint = 'download'; kind = 'drip'; count = 1; delayMs = 1000 })
        }
        $id = $Made10[0].Id
        $script = "Import-Module '$ModulePath'; Get-BgResult -Id '$id' | Save-BgImage -Destination '$Dest'"
        $child = Invoke-FreshPwsh $script -NoWait `
            -StandardOutput (Join-Path $TestDrive "$id.out") -StandardError (Join-Path $TestDrive "$id.err")
        try {
            Wait-Until { @(Get-ChildItem -LiteralPath $Dest -Filter '*.partial').Count -eq 1 } `
                -Because 'the child is downloading' -TimeoutSec 120
            $partial = (Get-ChildItem -LiteralPath $Dest -Filter '*.partial').Name

            # Another save into the folder while the child runs keeps the child's file.
            $other = $Made10[1] | Save-BgImage -Destination $Dest
            $other.Name | Should -Be 'i10-2_bg.png'
            Test-Path -LiteralPath (Join-Path $Dest $partial) | Should -BeTrue
        }
        finally {
            Stop-Process -Id $child.Id -Force
            $child.WaitForExit()
        }
        Test-Path -LiteralPath (Join-Path $Dest $partial) | Should -BeTrue -Because 'a kill leaves the temporary file'

        $said = $Made10[0] | Save-BgImage -Destination $Dest -Verbose 4>&1
        ($said | Where-Object { $_ -is [IO.FileInfo] }).Name | Should -Be 'i10-1_bg.png'
        ($said | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -join "`n" |
            Should -Match 'Removed 1 temporary file\(s\) \(.+\) that interrupted saves left in'
        @(Get-ChildItem -LiteralPath $Dest -Filter '*.partial') | Should -HaveCount 0
        Assert-AllCompletePngs -Folder $Dest -Count 2
    }

    It 'adopts a file that holds the result''s bytes when the journal has no record of saving it' {
        # As if the process had died between moving the file into place and journaling it: the journal
        # as it was before the save, the file in place.
        $before = Join-Path $TestDrive "journal-$([guid]::NewGuid().ToString('N')).jsonl"
        Copy-Item -LiteralPath $env:ONEMIN_JOURNAL_PATH -Destination $before
        $first = $Made10[0] | Save-BgImage -Destination $Dest
        $hash = (Get-FileHash -LiteralPath $first.FullName).Hash
        $env:ONEMIN_JOURNAL_PATH = $before
        $again = $Made10[0] | Save-BgImage -Destination $Dest -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 0
        $again.FullName | Should -Be $first.FullName
        (Get-FileHash -LiteralPath $again.FullName).Hash | Should -Be $hash
        @(Get-ChildItem -LiteralPath $Dest -Force) | Should -HaveCount 1
        $saved = Get-Content -LiteralPath $env:ONEMIN_JOURNAL_PATH | ConvertFrom-Json | Where-Object kind -eq 'saved'
        @($saved | Where-Object path -eq $first.FullName) |
            Should -HaveCount 1
        # Recorded now: a third run has nothing to download.
        $before = (Get-OneMinEmulatorStats $Emu).downloads
        $null = $Made10[0] | Save-BgImage -Destination $Dest
        (Get-OneMinEmulatorStats $Emu).downloads | Should -Be $before
    }

    It 'keeps another image at the destination, even with -Force, and saves the result under its hash name' {
        # A PNG, but another picture than the result, that the journal does not know.
        $target = Join-Path $Dest 'i10-1_bg.png'
        Copy-Item -LiteralPath $Made10[0].SourcePath -Destination $target
        $hash = (Get-FileHash -LiteralPath $target).Hash
        $sourceHash = (Get-FileHash -LiteralPath $Made10[0].SourcePath -Algorithm SHA256).Hash.ToLowerInvariant()
        $file = $Made10[0] | Save-BgImage -Destination $Dest -Force -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 0
        $file.Name | Should -Be "i10-1_$($sourceHash.Substring(0, 8))_bg.png"
        (Get-FileHash -LiteralPath $target).Hash | Should -Be $hash
        @(Get-ChildItem -LiteralPath $Dest -Filter '*.partial') | Should -HaveCount 0
        # Its name now: a re-run downloads nothing.
        $downloads = (Get-OneMinEmulatorStats $Emu).downloads
        ($Made10[0] | Save-BgImage -Destination $Dest).Name | Should -Be $file.Name
        (Get-OneMinEmulatorStats $Emu).downloads | Should -Be $downloads
    }

    It 'stops a download host that drips bytes within a window and says what it sent' {
        Set-OneMinEmulatorConfig $Emu @{
            faults = @(@{ endpoint = 'download'; kind = 'drip'; rate = 1; delayMs = 100 })
        }
        $downloads = (Get-OneMinEmulatorStats $Emu).downloads
        # -TimeoutSec 5: the window is a fifth of it, 1 s.
        $null = $Made10[0] | Save-BgImage -Destination $Dest -TimeoutSec 5 -MaximumRetryCount 1 -ErrorVariable errs `
            -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'Timeout,*'
        $errs[0].ToString() | Should -Match 'the download host sent \d+ bytes in 1\.0 s, below the minimum of 1 KB/s'
        $errs[0].ToString() | Should -Match 'tried 2 times'
        $errs[0].ToString() | Should -Not -Match 'no answer'
        (Get-OneMinEmulatorStats $Emu).downloads - $downloads | Should -Be 2
        @(Get-ChildItem -LiteralPath $Dest -Force) | Should -HaveCount 0
    }

    It 'refuses a result whose image is not the size asked for and leaves no file' {
        $result = $Made10[0] | Get-BgResult
        $actual = (Get-PngInfo -Path ($Made10[0] | Save-BgImage -Destination (Join-Path $Dest 'ok')).FullName)
        $wrong = if ("$($actual.Width)x$($actual.Height)" -eq '1024x1536') { '1536x1024' } else { '1024x1536' }
        $result.Size = $wrong
        $out = Join-Path $Dest 'wrong'
        $null = $result | Save-BgImage -Destination $out -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidDownload,*'
        $errs[0].ToString() | Should -Match "the image is $($actual.Width)x$($actual.Height), not the $wrong asked for"
        @(Get-ChildItem -LiteralPath $out -Force -ErrorAction SilentlyContinue) | Should -HaveCount 0
    }
}
