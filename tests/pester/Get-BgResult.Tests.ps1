# Get-BgResult: results looked up again by id, and the journal listed and filtered.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Get-BgResult -Id' {
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

Describe 'Get-BgResult lists the journal' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Src = Join-Path $TestDrive 'list'
        $null = New-Item -ItemType Directory -Path $Src
        New-TestImage -Path $Src -Count 3 -Prefix 'cat'
        New-TestImage -Path $Src -Count 1 -Prefix 'dog' -Width 70   # another size: not the same content as cat1
        $script:Start = [DateTime]::UtcNow.AddSeconds(-1)
        $null = Get-ChildItem -LiteralPath $Src -File | Invoke-BackgroundReplace -Prompt 'beach' -ThrottleLimit 1
        Set-OneMinEmulatorConfig $Emu @{ recordStatus = 'FAILURE' }
        $null = Invoke-BackgroundReplace -LiteralPath (Join-Path $Src 'cat1.png') -Prompt 'forest' -ErrorAction SilentlyContinue
        Set-OneMinEmulatorConfig $Emu @{ recordStatus = 'SUCCESS' }
    }

    It 'lists every request as a BgResult' {
        $all = Get-BgResult
        $all | Should -HaveCount 5
        $all | ForEach-Object { $_ | Should -BeOfType ([OneMinBg.BgResult]) }
    }

    It 'filters by status, source path and time' {
        (Get-BgResult -Status SUCCESS) | Should -HaveCount 4
        (Get-BgResult -Status FAIL*).Prompt | Should -Be 'forest'
        (Get-BgResult -SourcePath '*dog*').SourcePath | Should -Be (Join-Path $Src 'dog1.png')
        (Get-BgResult -Since $Start) | Should -HaveCount 5
        (Get-BgResult -Until $Start) | Should -HaveCount 0
    }

    It 'feeds Save-BgImage to save everything that succeeded' {
        $files = Get-BgResult -Status SUCCESS | Save-BgImage -Destination (Join-Path $TestDrive 'list-out')
        $files | Should -HaveCount 4
    }
}
