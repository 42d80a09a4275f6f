# What a person looks at: the tables and lists of every output type at 80 and 120 columns (rendered in a fresh
# pwsh on the built module, as a console or a redirected task log shows them), times with their zone and
# readable keys in CSV, the credits of each image, and tab completion of the parameters with known values.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
    $script:Sep = [IO.Path]::DirectorySeparatorChar

    function Show-Fresh {
        # $Command's output as a fresh pwsh formats it at $Width columns, run in $Location; lines without the
        # blank ones around tables.
        param([string] $Command, [int] $Width, [string] $Location, [hashtable] $Environment = @{})
        $script = "Import-Module '$ModulePath'; Set-Location -LiteralPath '$Location'; $Command | Out-String -Width $Width"
        $lines = @(Invoke-FreshPwsh $script -Environment $Environment)
        $LASTEXITCODE | Should -Be 0 -Because ($lines -join "`n")
        $lines | Where-Object { $_.Trim() }
    }

    function Assert-Table {
        # Every line fits; the header is the one line of labels, each whole, above a line of dashes.
        param([string[]] $Lines, [int] $Width, [string[]] $Labels)
        foreach ($line in $Lines) { $line.Length | Should -BeLessOrEqual $Width -Because "'$line' fits $Width columns" }
        $pattern = '^' + (($Labels | ForEach-Object { [regex]::Escape($_) }) -join '\s+') + '\s*$'
        $Lines[0] | Should -Match $pattern -Because 'the header names every column whole, on one line'
        $Lines[1] | Should -Match '^[-\s]+$'
    }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'The BgResult views' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        Set-OneMinEmulatorConfig $Emu @{ faults = @(); creditCost = 10 }
        $script:Journal = Use-FreshJournal
        # Three photo.png in three folders (different pictures), one of them deep, and the current location above.
        $script:Root = New-Folder
        $script:Folders = 'shoot-a', 'shoot-b', (Join-Path 'archive/2026/spring/catalogue-for-the-shop' 'shoot-c')
        $width = 60
        foreach ($folder in $Folders) {
            $dir = Join-Path $Root $folder
            $null = New-Item -ItemType Directory -Path $dir -Force
            New-TestImage -Path $dir -Prefix photo -Width ($width += 4)
            Rename-Item -LiteralPath (Join-Path $dir 'photo1.png') -NewName 'photo.png'
        }
        $script:Made = Get-ChildItem -LiteralPath $Root -Recurse -Filter photo.png |
            Invoke-BackgroundReplace -Prompt 'white studio backdrop' -ThrottleLimit 1
        $null = $Made | Save-BgImage -Destination (Join-Path $Root 'out')
    }

    It 'the default table fits <Width> columns and tells the three photo.png apart' -TestCases @(
        @{ Width = 80 }, @{ Width = 120 }
    ) {
        $lines = Show-Fresh 'Get-BgResult' -Width $Width -Location $Root
        Assert-Table $lines -Width $Width -Labels 'Status', 'Source', 'Size', 'Id', 'Saved'
        $rows = $lines | Select-Object -Skip 2
        $rows | Should -HaveCount 3
        # Relative to the current location, and the deep one cut at a folder: each row names its folder.
        $rows | Where-Object { $_ -like "*shoot-a${Sep}photo.png *" } | Should -HaveCount 1
        $rows | Where-Object { $_ -like "*shoot-b${Sep}photo.png *" } | Should -HaveCount 1
        $rows | Where-Object { $_ -like "*…${Sep}shoot-c${Sep}photo.png *" } | Should -HaveCount 1
        foreach ($result in $Made) {
            $row = @($rows | Where-Object { $_ -match " $($result.Id.Substring(0, 8)) " })
            $row | Should -HaveCount 1 -Because 'each row shows the first 8 characters of its id'
            $row[0] | Should -Match '^SUCCESS\s'
            $row[0] | Should -Match ' 1024x1024 '
            $row[0] | Should -Match ([regex]::Escape("out$Sep") + '|…') -Because 'the saved file is shown'
        }
    }

    It 'a result outside the current location shows the end of its full path' {
        $elsewhere = New-Folder
        $lines = Show-Fresh 'Get-BgResult' -Width 80 -Location $elsewhere
        ($lines | Select-Object -Skip 2) | Where-Object { $_ -match "…$([regex]::Escape($Sep))shoot-a$([regex]::Escape($Sep))photo\.png" } |
            Should -HaveCount 1
    }

    It '-View <View> fits <Width> columns with whole headers' -TestCases @(
        @{ View = 'Times'; Width = 80; Labels = 'Status', 'Source', 'Requested (local)', 'Created (local)' }
        @{ View = 'Times'; Width = 120; Labels = 'Status', 'Source', 'Requested (local)', 'Created (local)' }
        @{ View = 'Credits'; Width = 80; Labels = 'Status', 'Reused', 'Source', 'Credits', 'Team used', 'Team limit' }
        @{ View = 'Credits'; Width = 120; Labels = 'Status', 'Reused', 'Source', 'Credits', 'Team used', 'Team limit' }
        @{ View = 'Model'; Width = 80; Labels = 'Status', 'Source', 'Model', 'Size', 'Quality', 'Background' }
        @{ View = 'Model'; Width = 120; Labels = 'Status', 'Source', 'Model', 'Size', 'Quality', 'Background' }
    ) {
        $lines = Show-Fresh "Get-BgResult | Format-Table -View $View" -Width $Width -Location $Root
        Assert-Table $lines -Width $Width -Labels $Labels
        $lines | Select-Object -Skip 2 | Should -HaveCount 3
    }

    It 'the Times view shows local time, to the second' {
        $lines = Show-Fresh 'Get-BgResult | Format-Table -View Times' -Width 80 -Location $Root -Environment @{ TZ = 'America/New_York' }
        $expected = $Made[0].RequestedAt # local time of this process
        if (-not $IsWindows) { $expected = [TimeZoneInfo]::ConvertTime($expected, [TimeZoneInfo]::FindSystemTimeZoneById('America/New_York')) }
        ($lines -join "`n") | Should -Match ([regex]::Escape($expected.ToString('yyyy-MM-dd HH:mm:ss')))
    }

    It 'the Model view shows the settings' {
        $row = (Show-Fresh 'Get-BgResult | Format-Table -View Model' -Width 80 -Location $Root)[2]
        $row | Should -Match 'gpt-image-1-mini\s+1024x1024\s+medium\s+auto'
    }

    It 'the list view shows every property' {
        $text = (Show-Fresh 'Get-BgResult | Select-Object -First 1 | Format-List' -Width 80 -Location $Root) -join "`n"
        foreach ($name in [OneMinBg.BgResult].GetProperties().Name) {
            $text | Should -Match "(?m)^$name\s+:" -Because "$name is in the list"
        }
    }

    It 'Get-BgResult -History still fits 80 columns' {
        $lines = Show-Fresh 'Get-BgResult -History' -Width 80 -Location $Root
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 80 }
        ($lines -match '^\s*#\s+Time\s+Outcome\s+Charged\s+Id\s*$') | Should -HaveCount 3
    }
}

Describe 'The other output types at 80 columns' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = New-Sources 2
    }

    It 'the BatchSummary is one table row with whole headers' {
        $script = "Import-Module '$ModulePath'; `$null = Get-ChildItem -LiteralPath '$Dir' -File | Invoke-BackgroundReplace -Prompt x -SummaryVariable s; `$s | Out-String -Width 80"
        $lines = @(Invoke-FreshPwsh $script) | Where-Object { $_.Trim() }
        Assert-Table $lines -Width 80 -Labels 'Total', 'Succeeded', 'Reused', 'Failed', 'Skipped', 'Completed', 'Spent', 'Team used', 'Elapsed'
        $lines[2] | Should -Match '^\s+2\s+2\s+0\s+0\s+0\s+True\s+\S+\s+\d+\s+\d\d:\d\d:\d\d$'
    }

    It 'Test-OneMinBgConnection and Get-OneMinBgConfig fit as lists' {
        foreach ($command in 'Test-OneMinBgConnection', 'Get-OneMinBgConfig') {
            $lines = Show-Fresh $command -Width 80 -Location $Dir
            foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 80 -Because "$command fits: '$line'" }
            $lines[0] | Should -Match '^\w+\s+: '
        }
        (Show-Fresh 'Test-OneMinBgConnection' -Width 80 -Location $Dir) -join "`n" | Should -Match '(?m)^TeamCreditsRemaining\s+: \d+'
    }
}

Describe 'Times, keys and renamed totals in what scripts read and export' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = New-Sources 1
        $null = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt x
    }

    It 'Export-Csv writes the times as ISO 8601 with the local offset, in any culture, and the keys joined' {
        $csv = Join-Path $Dir 'results.csv'
        $script = "Import-Module '$ModulePath'; [cultureinfo]::CurrentCulture = 'de-DE'; Get-BgResult | Export-Csv -LiteralPath '$csv'"
        $null = Invoke-FreshPwsh $script -Environment @{ TZ = 'America/New_York' }
        $LASTEXITCODE | Should -Be 0
        $row = Import-Csv -LiteralPath $csv
        $r = Get-BgResult
        $iso = '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$'
        foreach ($name in 'CreatedAt', 'RequestedAt') {
            $row.$name | Should -Match $iso
            if (-not $IsWindows) { $row.$name | Should -Match '-05:00$' -Because 'New York is 5 hours behind UTC in December' }
            $read = [DateTimeOffset]::Parse($row.$name, [cultureinfo]::InvariantCulture)
            ($read - $r.$name).Duration() | Should -BeLessThan ([TimeSpan]::FromMilliseconds(1)) -Because "$name is the same instant (to the millisecond)"
        }
        $row.ResultKeys | Should -BeExactly ($r.ResultKeys -join '; ')
        $row.ResultKeys | Should -Not -Match 'System\.'
        $row.PSObject.Properties.Name | Should -Contain 'TeamCreditsUsed'
        $row.PSObject.Properties.Name | Should -Not -Contain 'UsedCredit' -Because 'the old names are hidden aliases'
    }

    It 'the attempts of -History and Test-OneMinBgConnection export their times the same way' {
        $iso = '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$'
        $attempt = Get-BgResult -History | ConvertTo-Csv | ConvertFrom-Csv
        foreach ($name in 'ClaimedAt', 'SentAt', 'CompletedAt') { $attempt.$name | Should -Match $iso }
        $attempt.PSObject.Properties.Name | Should -Not -Contain 'UsedCredit'
        (Test-OneMinBgConnection | ConvertTo-Csv | ConvertFrom-Csv).CreditsAsOf | Should -Match $iso
    }

    It 'times are DateTimeOffset in local time, keys a list, the old credit names still answer' {
        $r = Get-BgResult
        $r.CreatedAt | Should -BeOfType ([DateTimeOffset])
        $r.CreatedAt.Offset | Should -Be ([TimeZoneInfo]::Local.GetUtcOffset($r.CreatedAt.UtcDateTime))
        $r.CreatedAt -lt [DateTimeOffset]::Now | Should -BeTrue
        $r.ResultKeys[0] | Should -Match '^images/'
        $r.ResultKeys -contains $r.ResultKeys[0] | Should -BeTrue
        $r.ResultKeys.Length | Should -Be 1
        $r.UsedCredit | Should -Be $r.TeamCreditsUsed
        $r.CreditLimit | Should -Be $r.TeamCreditLimit
        ($r | Get-Member -Name UsedCredit) | Should -BeNullOrEmpty -Because 'hidden from Get-Member'
        ($r | ConvertTo-Json | ConvertFrom-Json).CreatedAt | Should -Not -BeNullOrEmpty
    }
}

Describe 'What each image cost' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        Set-OneMinEmulatorConfig $Emu @{ faults = @(); creditCost = 10 }
        $null = Use-FreshJournal
        $script:Dir = New-Sources 3
    }

    It 'one at a time, each image after the first costs what the service charged; a re-run reuses and pays nothing' {
        $first = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt x -ThrottleLimit 1 -SummaryVariable s1
        $costs = @($first | ForEach-Object { $_.Credits })
        @($costs | Where-Object { $null -eq $_ }) | Should -HaveCount 1 -Because 'the first call of a batch has no total before it'
        @($costs | Where-Object { $null -ne $_ }) | Should -Be 10, 10
        $first.TeamCreditsUsed | Sort-Object | Should -Be 10, 20, 30 -Because 'the team totals are running totals'
        $s1.CreditsSpent | Should -Be 20
        $s1.CreditsUnmeasured | Should -Be 1
        $s1.TeamCreditsUsed | Should -Be 30

        $again = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt x -ThrottleLimit 1 -SummaryVariable s2
        $again.Reused | Sort-Object -Unique | Should -BeTrue
        foreach ($r in $again) { $r.Credits | Should -Be ($first | Where-Object Id -eq $r.Id).Credits -Because 'it keeps what it cost when made' }
        $s2.CreditsSpent | Should -Be 0
        $s2.CreditsUnmeasured | Should -Be 0
        $s2.TeamCreditsUsed | Should -BeNullOrEmpty -Because 'reused results bring no figures of this batch'
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 3

        $looked = $first | Get-BgResult # looked up again at the service: the journal still knows the cost
        foreach ($r in $looked) { $r.Credits | Should -Be ($first | Where-Object Id -eq $r.Id).Credits }
    }
}

Describe 'Tab completion of parameters with known values' {
    BeforeAll {
        $null = Use-FreshJournal
        # Files in the current location: a completer that falls back to file names would offer them.
        $script:Here = New-Sources 2
    }

    It '<Line> offers <Expected>, not file names' -TestCases @(
        @{ Line = 'Get-BgResult -Status '; Expected = 'SUCCESS', 'FAILED', 'FAILURE', 'PENDING', 'PROCESSING', 'CANCELLED' }
        @{ Line = 'Get-BgResult -Status p'; Expected = 'PENDING', 'PROCESSING' }
        @{ Line = 'Get-BgResult -Model '; Expected = 'gpt-image-1-mini', 'gpt-image-1', 'gpt-image-2' }
        @{ Line = 'Invoke-BackgroundReplace -Model gpt-image-2'; Expected = , 'gpt-image-2' }
        @{ Line = 'Invoke-BackgroundReplace -Quality '; Expected = 'low', 'medium', 'high' }
        @{ Line = 'Invoke-BackgroundReplace -Background '; Expected = 'auto', 'opaque', 'transparent' }
        @{ Line = 'Set-OneMinBgConfig -Model gpt'; Expected = 'gpt-image-1-mini', 'gpt-image-1', 'gpt-image-2' }
    ) {
        $script = "Import-Module '$ModulePath'; Set-Location -LiteralPath '$Here'; " +
            "(TabExpansion2 -inputScript '$Line' -cursorColumn $($Line.Length)).CompletionMatches.CompletionText"
        $offered = @(Invoke-FreshPwsh $script)
        $LASTEXITCODE | Should -Be 0
        $offered | Should -Be $Expected
    }

    It 'Get-BgResult -Status also offers a status the service used that the module does not know' {
        $journal = Use-FreshJournal
        Reset-OneMinEmulator $Emu
        Set-OneMinEmulatorConfig $Emu @{ recordStatus = 'QUEUED_FOR_REVIEW' }
        $null = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt x -ErrorAction SilentlyContinue
        Set-OneMinEmulatorConfig $Emu @{ recordStatus = 'SUCCESS' }
        $line = 'Get-BgResult -Status Q'
        $script = "Import-Module '$ModulePath'; (TabExpansion2 -inputScript '$line' -cursorColumn $($line.Length)).CompletionMatches.CompletionText"
        Invoke-FreshPwsh $script -Environment @{ ONEMIN_JOURNAL_PATH = $journal } | Should -Be 'QUEUED_FOR_REVIEW'
    }
}
