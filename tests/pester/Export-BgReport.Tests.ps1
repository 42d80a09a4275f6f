# Export-BgReport (issue 15 item 5): one self-contained HTML page per batch, pictures linked relative to the
# report (names with spaces, '#', '%' and '[ ]'), texts escaped, failures with their error, a summary; the
# file written whole, -WhatIf, -NoClobber, -Force, -PassThru; and the page loaded in headless Chromium, where
# every picture must decode, also after the report was moved together with its folders. Images that failed
# upstream in the same pipeline (error records, not objects) and error records given as input are failed cards.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../browser/Chromium.psm1') -Force
    $script:BrowserTitle = if (Find-Chromium) { 'Export-BgReport in headless Chromium' }
    else { 'Export-BgReport in headless Chromium (skipped: chromium is not installed; .ci/run installs it)' }
    $script:NoChromium = -not (Find-Chromium)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module (Join-Path $PSScriptRoot '../browser/Chromium.psm1') -Force
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu

    function Get-ReportImage([string] $Report) {
        # Each <img> of the page, with the file its src leads to from where the report is.
        $html = Get-Content -LiteralPath $Report -Raw
        $base = [uri]::new([uri]::new((Resolve-Path -LiteralPath $Report).ProviderPath, [UriKind]::Absolute).AbsoluteUri)
        foreach ($m in [regex]::Matches($html, '<img ([^>]*)>')) {
            $attributes = @{}
            foreach ($a in [regex]::Matches($m.Groups[1].Value, '(\w+)="([^"]*)"')) { $attributes[$a.Groups[1].Value] = $a.Groups[2].Value }
            $target = [uri]::new($base, [Net.WebUtility]::HtmlDecode($attributes.src))
            [pscustomobject]@{
                Src = $attributes.src; Loading = $attributes.loading; Width = $attributes.width; Height = $attributes.height
                File = if ($target.IsFile) { [uri]::UnescapeDataString($target.AbsolutePath) } else { $null }
            }
        }
    }

    function Get-ReportSummary([string] $Report) {
        # The summary's figures by their class: done, reused, failed, pending, credits.
        $summary = @{}
        foreach ($m in [regex]::Matches((Get-Content -LiteralPath $Report -Raw), '<li class="(\w+)"><b>([^<]*)</b>')) {
            $summary[$m.Groups[1].Value] = $m.Groups[2].Value
        }
        $summary
    }

    function Get-Card([string] $Report, [string] $Name) {
        # The <article> of the image whose source is named $Name (as the page shows it, escaped).
        $html = Get-Content -LiteralPath $Report -Raw
        $cards = [regex]::Matches($html, '(?s)<article .*?</article>') | ForEach-Object Value
        @($cards | Where-Object { $_ -match ('<span class="name">[^<]*' + [regex]::Escape($Name) + '</span>') })
    }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Export-BgReport' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Root = New-Folder
        $script:Photos = Join-Path $Root 'shop/photos [2026] #1'
        $null = New-Item -ItemType Directory -Path $Photos
        New-TestImage -Path $Photos -Count 3 -Prefix 'item #' -Width 96 -Height 64
        Rename-Item -LiteralPath (Join-Path $Photos 'item #3.png') -NewName '50% off [x].png'
        $script:Prompt = '<script>alert("x")</script> & a <b>white</b> studio'
        $script:Results = @(Get-ChildItem -LiteralPath $Photos -File | Sort-Object Name |
            Invoke-BackgroundReplace -Prompt $Prompt)
        $script:Saved = @($Results | Save-BgImage -Destination (Join-Path $Root 'shop/out put'))
        $script:Report = Join-Path $Root 'shop/report.html'
        @($Results) + @($Saved) | Export-BgReport -Path $Report
    }

    It 'writes one self-contained page: no script, nothing from the network, the prompt escaped' {
        $html = Get-Content -LiteralPath $Report -Raw
        $html | Should -Match '^<!DOCTYPE html>'
        $html | Should -Not -Match '<script'
        $html | Should -Not -Match '<link|@import|@font-face'
        $html | Should -Not -Match '(src|href)="(https?:)?//'
        $html | Should -Not -Match 'url\('
        $html | Should -Match ([regex]::Escape('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; a &lt;b&gt;white&lt;/b&gt; studio'))
        $html | Should -Not -Match '<b>white</b>'
    }

    It 'shows each source beside its saved result, linked relative to the report and URL-escaped' {
        $images = @(Get-ReportImage $Report)
        $images | Should -HaveCount 6
        $expected = @($Results.SourcePath) + @($Saved.FullName) | Sort-Object
        @($images.File | Sort-Object) | Should -Be $expected
        foreach ($image in $images) {
            $image.Src | Should -Not -Match '^(/|[a-z]+:)' -Because 'a relative link keeps working when the folders move'
            $image.Src | Should -Not -Match '[ #\[\]]|%(?![0-9A-F]{2})' -Because 'spaces, #, % and [ ] are escaped'
            $image.Loading | Should -Be 'lazy'
            [int]$image.Width | Should -BeGreaterThan 0
            [int]$image.Height | Should -BeGreaterThan 0
        }
        $images.Src | Should -Contain 'photos%20%5B2026%5D%20%231/50%25%20off%20%5Bx%5D.png'
    }

    It 'sizes each picture to its aspect ratio before it loads (96x64 source: 256x171)' {
        $source = @(Get-ReportImage $Report | Where-Object File -EQ $Results[0].SourcePath)[0]
        "$($source.Width)x$($source.Height)" | Should -Be '256x171'
    }

    It 'sums up the batch at the top: done, reused, failed' {
        $summary = Get-ReportSummary $Report
        $summary.done | Should -Be 3
        $summary.reused | Should -Be 0
        $summary.failed | Should -Be 0
    }

    It 'shows per image its prompt, model, size, quality, status and time with its zone' {
        $card = @(Get-Card $Report '50% off [x].png')
        $card | Should -HaveCount 1
        $result = $Results | Where-Object { $_.SourcePath.EndsWith('50% off [x].png') }
        $card[0] | Should -Match '<dt>Model</dt><dd>gpt-image-1-mini</dd>'
        $card[0] | Should -Match "<dt>Size</dt><dd>$([regex]::Escape($result.Size))</dd>"
        $card[0] | Should -Match '<dt>Quality</dt><dd>\w+</dd>'
        $card[0] | Should -Match '<dt>Status</dt><dd>SUCCESS</dd>'
        $card[0] | Should -Match '<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d</time>'
    }

    It 'makes one card of a result met twice, and pairs a saved file that comes first' {
        $again = Join-Path $Root 'again.html'
        @($Saved) + @($Results) + @($Results | Get-BgResult) | Export-BgReport -Path $again
        @(Get-ReportImage $again) | Should -HaveCount 6
        @(Get-ReportImage $again | Where-Object File -In $Saved.FullName) | Should -HaveCount 3
    }

    It 'reports the files of Save-BgImage alone, with their results'' details' {
        $alone = Join-Path $Root 'alone.html'
        $Saved | Export-BgReport -Path $alone
        @(Get-ReportImage $alone) | Should -HaveCount 6
        (Get-ReportSummary $alone).done | Should -Be 3
    }

    It 'reads results back from Export-Csv and saved files back from Export-Clixml' {
        $csv = Join-Path $Root 'results.csv'
        Get-BgResult -LiteralSourcePath $Results.SourcePath | Export-Csv -LiteralPath $csv -NoTypeInformation
        $fromCsv = Join-Path $Root 'csv.html'
        Import-Csv -LiteralPath $csv | Export-BgReport -Path $fromCsv
        @(Get-ReportImage $fromCsv | Where-Object File -In $Saved.FullName) | Should -HaveCount 3 -Because 'SavedPath comes from the journal'
        (Get-ReportSummary $fromCsv).done | Should -Be 3
        (Get-Content -LiteralPath $fromCsv -Raw) | Should -Match '<time datetime="\d{4}-'

        $xml = Join-Path $Root 'saved.xml'
        $Saved | Export-Clixml -LiteralPath $xml
        $fromXml = Join-Path $Root 'xml.html'
        Import-Clixml -LiteralPath $xml | Export-BgReport -Path $fromXml
        @(Get-ReportImage $fromXml) | Should -HaveCount 6
    }

    It 'shows a placeholder, not a broken image, for a source that is gone and a result never saved' {
        $gone = Join-Path (New-Folder) 'gone.png'
        Copy-Item -LiteralPath $Results[0].SourcePath -Destination $gone
        $result = Invoke-BackgroundReplace -LiteralPath $gone -Prompt 'gone'
        Remove-Item -LiteralPath $gone
        $page = Join-Path $Root 'gone.html'
        $result | Export-BgReport -Path $page
        @(Get-ReportImage $page) | Should -HaveCount 0
        $html = Get-Content -LiteralPath $page -Raw
        $html | Should -Match '<div class="missing">Source file not found: [^<]*gone\.png</div>'
        $html | Should -Match '<div class="missing">Result not saved: Save-BgImage downloads it</div>'
    }

    It 'shows a failed image and one whose outcome is unknown with their errors, and counts them' {
        $null = Use-FreshJournal
        $dir = New-Folder
        New-TestImage -Path $dir -Count 1 -Prefix 'refused' -Width 70
        New-TestImage -Path $dir -Count 1 -Prefix 'lost' -Width 72
        New-TestImage -Path $dir -Count 1 -Prefix 'fine' -Width 74
        Set-OneMinEmulatorConfig $Emu @{ recordStatus = 'FAILURE' }
        $null = Invoke-BackgroundReplace -LiteralPath (Join-Path $dir 'refused1.png') -Prompt 'x' -ErrorAction SilentlyContinue
        Set-OneMinEmulatorConfig $Emu @{ recordStatus = 'SUCCESS'; faults = @(@{ endpoint = 'feature'; kind = 'reset-after'; count = 1 }) }
        $null = Invoke-BackgroundReplace -LiteralPath (Join-Path $dir 'lost1.png') -Prompt 'x' -MaximumRetryCount 0 -ErrorAction SilentlyContinue
        Set-OneMinEmulatorConfig $Emu @{ faults = @() }
        $null = Invoke-BackgroundReplace -LiteralPath (Join-Path $dir 'fine1.png') -Prompt 'x'
        $journal = @(Get-BgResult)
        $journal | Should -HaveCount 3
        $page = Join-Path $dir 'report.html'
        $journal | Export-BgReport -Path $page

        (Get-ReportSummary $page).failed | Should -Be 2
        (Get-ReportSummary $page).done | Should -Be 1
        foreach ($name in 'refused1.png', 'lost1.png') {
            $entry = $journal | Where-Object SourcePath -Like "*$name"
            $entry.FailureReason | Should -Not -BeNullOrEmpty
            $card = @(Get-Card $page $name)
            $card | Should -HaveCount 1
            $card[0] | Should -Match '<article class="failed"'
            $card[0] | Should -Match ('<p class="error">' + [regex]::Escape([Net.WebUtility]::HtmlEncode($entry.FailureReason)) + '</p>')
            $card[0] | Should -Match '<div class="missing">No result</div>'
        }
        $html = Get-Content -LiteralPath $page -Raw
        $html | Should -Match '<details open>\s*<summary>2 images not done</summary>'
    }

    It 'replaces an existing report, refuses to with -NoClobber, and replaces a read-only one only with -Force' {
        $page = Join-Path (New-Folder) 'r.html'
        Set-Content -LiteralPath $page -Value 'old'
        $Results | Export-BgReport -Path $page
        Get-Content -LiteralPath $page -TotalCount 1 | Should -Be '<!DOCTYPE html>'

        Set-Content -LiteralPath $page -Value 'keep'
        { $Results | Export-BgReport -Path $page -NoClobber -ErrorAction Stop } |
            Should -Throw -ErrorId 'ReportExists,OneMinBg.Commands.ExportBgReportCommand'
        Get-Content -LiteralPath $page | Should -Be 'keep'

        Set-ItemProperty -LiteralPath $page -Name IsReadOnly -Value $true
        try {
            $err = { $Results | Export-BgReport -Path $page -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -Be 'ReportReadOnly,OneMinBg.Commands.ExportBgReportCommand'
            $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $err.ToString() | Should -Match '-Force'
            Get-Content -LiteralPath $page | Should -Be 'keep'
            $Results | Export-BgReport -Path $page -Force
            Get-Content -LiteralPath $page -TotalCount 1 | Should -Be '<!DOCTYPE html>'
        }
        finally { Set-ItemProperty -LiteralPath $page -Name IsReadOnly -Value $false -ErrorAction SilentlyContinue }
        @(Get-ChildItem -LiteralPath (Split-Path $page) -Force) | Should -HaveCount 1 -Because 'no temporary file is left'
    }

    It 'writes nothing with -WhatIf, and with -PassThru writes the report as Get-Item does' {
        $dir = New-Folder
        $Results | Export-BgReport -Path (Join-Path $dir 'sub/w.html') -WhatIf
        @(Get-ChildItem -LiteralPath $dir) | Should -HaveCount 0

        $file = $Results | Export-BgReport -Path (Join-Path $dir 'p [1].html') -PassThru
        $file | Should -BeOfType ([IO.FileInfo])
        $file.PSPath | Should -Be (Get-Item -LiteralPath (Join-Path $dir 'p [1].html')).PSPath
        $file | Copy-Item -Destination (Join-Path $dir 'copy.html')
        Test-Path -LiteralPath (Join-Path $dir 'copy.html') | Should -BeTrue
    }

    It 'takes -Title as the heading, escaped' {
        $page = Join-Path $Root 'title.html'
        $Results | Export-BgReport -Path $page -Title 'Spring <catalog> & co'
        $html = Get-Content -LiteralPath $page -Raw
        $html | Should -Match '<title>Spring &lt;catalog&gt; &amp; co</title>'
        $html | Should -Match '<h1>Spring &lt;catalog&gt; &amp; co</h1>'
    }

    It 'gives a NotReportInput error for input that is no result, and reports the rest' {
        $page = Join-Path $Root 'mixed.html'
        $plain = Get-Item -LiteralPath $Results[0].SourcePath
        @($Results[0], 'hello', $plain) | Export-BgReport -Path $page -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 2
        $errs | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'NotReportInput,OneMinBg.Commands.ExportBgReportCommand' }
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].TargetObject | Should -Be 'hello'
        @(Get-ReportImage $page).File | Should -Be $Results[0].SourcePath
    }

    It 'stops with ReportPathIsFolder for a -Path that is a folder' {
        { $Results | Export-BgReport -Path $Root -ErrorAction Stop } |
            Should -Throw -ErrorId 'ReportPathIsFolder,OneMinBg.Commands.ExportBgReportCommand'
    }
}

Describe 'Export-BgReport and the failures of its pipeline' {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        # Two of six images get no answer to their paid call (outcome unknown); they are written as errors,
        # not objects, and Save-BgImage never sees them.
        $script:Dir = New-Sources 6
        $script:Out = Join-Path $Dir 'out'
        $script:PipelineReport = Join-Path $Dir 'report.html'
        $null = Use-FreshJournal
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'feature'; kind = 'reset-after'; count = 2 }) }
        try {
            Get-ChildItem -LiteralPath $Dir -Filter *.png | Invoke-BackgroundReplace -Prompt 'white studio' -MaximumRetryCount 0 -ErrorVariable script:Failed -ErrorAction SilentlyContinue |
                Save-BgImage -Destination $Out | Export-BgReport -Path $PipelineReport
        }
        finally { Set-OneMinEmulatorConfig $Emu @{ faults = @() } }
        $Failed | Should -HaveCount 2
        @(Get-ChildItem -LiteralPath $Out) | Should -HaveCount 4
    }

    It 'shows the 2 images that failed upstream as failed cards, with their source, message and what to do, and counts them' {
        $summary = Get-ReportSummary $PipelineReport
        $summary.failed | Should -Be 2
        $summary.done | Should -Be 4
        $html = Get-Content -LiteralPath $PipelineReport -Raw
        @([regex]::Matches($html, '<article class="failed"')) | Should -HaveCount 2
        $html | Should -Match '<details open>\s*<summary>2 images not done</summary>'
        foreach ($err in $Failed) {
            $name = Split-Path -Leaf $err.TargetObject
            $card = @(Get-Card $PipelineReport $name)
            $card | Should -HaveCount 1
            $card[0] | Should -Match '<article class="failed"'
            $card[0] | Should -Match ('<p class="error">' + [regex]::Escape([Net.WebUtility]::HtmlEncode($err.ErrorDetails.Message)) + '</p>')
            $card[0] | Should -Match ('<p class="todo">What to do: ' + [regex]::Escape([Net.WebUtility]::HtmlEncode($err.ErrorDetails.RecommendedAction)) + '</p>')
            $card[0] | Should -Match '<dt>Error id</dt><dd>FeatureOutcomeUnknown</dd>'
            $card[0] | Should -Match '<div class="missing">No result</div>'
        }
        # Each failed card shows its source picture beside the placeholder.
        @(Get-ReportImage $PipelineReport | Where-Object File -In $Failed.TargetObject) | Should -HaveCount 2
        @(Get-ReportImage $PipelineReport) | Should -HaveCount 10 -Because '6 sources and 4 saved results'
    }

    It 'takes the error records of -ErrorVariable as input, alone or mixed with results' {
        $alone = Join-Path $Dir 'errors.html'
        $Failed | Export-BgReport -Path $alone
        (Get-ReportSummary $alone).failed | Should -Be 2
        (Get-ReportSummary $alone).done | Should -Be 0
        foreach ($err in $Failed) {
            $card = @(Get-Card $alone (Split-Path -Leaf $err.TargetObject))
            $card | Should -HaveCount 1
            $card[0] | Should -Match ('<p class="error">' + [regex]::Escape([Net.WebUtility]::HtmlEncode($err.ErrorDetails.Message)) + '</p>')
        }

        $mixed = Join-Path $Dir 'mixed.html'
        @(Get-BgResult -Status SUCCESS) + @($Failed) | Export-BgReport -Path $mixed
        (Get-ReportSummary $mixed).failed | Should -Be 2
        (Get-ReportSummary $mixed).done | Should -Be 4
    }

    It 'lets a result for the same image win over its error' {
        # The journal holds the two unknown outcomes as records too: with them, one card per image.
        $page = Join-Path $Dir 'journal.html'
        $journal = @(Get-BgResult)
        $journal | Should -HaveCount 6
        @($Failed) + @($journal) | Export-BgReport -Path $page
        @([regex]::Matches((Get-Content -LiteralPath $page -Raw), '<article ')) | Should -HaveCount 6
        @(Get-ReportImage $page | Where-Object File -In $Failed.TargetObject) | Should -HaveCount 2
    }

    It 'gives NotReportInput for an error record that is not about an image' {
        $page = Join-Path $Dir 'foreign.html'
        Get-Item -LiteralPath (Join-Path $Dir 'nothing-here.png') -ErrorAction SilentlyContinue -ErrorVariable notFound
        $notFound | Should -HaveCount 1
        @($notFound) + @($Failed) | Export-BgReport -Path $page -ErrorVariable errs -ErrorAction SilentlyContinue
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'NotReportInput,OneMinBg.Commands.ExportBgReportCommand'
        (Get-ReportSummary $page).failed | Should -Be 2
    }

    It 'leaves out the failures of an earlier statement: a standalone Get-BgResult | Export-BgReport' {
        $page = Join-Path $Dir 'later.html'
        Get-BgResult -Status SUCCESS | Export-BgReport -Path $page
        (Get-ReportSummary $page).failed | Should -Be 0
        (Get-ReportSummary $page).done | Should -Be 4
        (Get-Content -LiteralPath $page -Raw) | Should -Not -Match '<article class="failed"'
    }

    It 'shows an image Save-BgImage could not save as failed, with its result''s details and the save''s error' {
        # A journal of its own (after the tests that read the one of BeforeAll).
        $null = Use-FreshJournal
        $dir = New-Sources 3
        $page = Join-Path $dir 'report.html'
        # One download is not an image: Save-BgImage writes an error about that result, not a file.
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'download'; kind = 'not-image'; count = 1 }) }
        try {
            Get-ChildItem -LiteralPath $dir -Filter *.png | Invoke-BackgroundReplace -Prompt 'grey' -ThrottleLimit 1 |
                Save-BgImage -Destination (Join-Path $dir 'out') -ThrottleLimit 1 -ErrorVariable notSaved -ErrorAction SilentlyContinue |
                Export-BgReport -Path $page
        }
        finally { Set-OneMinEmulatorConfig $Emu @{ faults = @() } }
        $notSaved | Should -HaveCount 1
        $notSaved[0].FullyQualifiedErrorId | Should -BeLike 'InvalidDownload,*'
        (Get-ReportSummary $page).failed | Should -Be 1
        (Get-ReportSummary $page).done | Should -Be 2
        $card = @(Get-Card $page (Split-Path -Leaf $notSaved[0].TargetObject.SourcePath))
        $card | Should -HaveCount 1
        $card[0] | Should -Match '<article class="failed"'
        $card[0] | Should -Match ('<p class="error">' + [regex]::Escape([Net.WebUtility]::HtmlEncode($notSaved[0].ErrorDetails.Message)) + '</p>')
        $card[0] | Should -Match '<dt>Prompt</dt><dd>grey</dd>'
        $card[0] | Should -Match "<dt>Id</dt><dd>$($notSaved[0].TargetObject.Id)</dd>"
        $card[0] | Should -Match '<div class="missing">No result</div>'
    }

    It 'names a failed lookup upstream by its id: no failure of the pipeline is left out' {
        $null = Use-FreshJournal
        $dir = New-Sources 1
        $result = Get-ChildItem -LiteralPath $dir -Filter *.png | Invoke-BackgroundReplace -Prompt 'blue'
        $missing = '00000000-0000-4000-8000-000000000000'
        $page = Join-Path $dir 'lookup.html'
        Get-BgResult -Id $result.Id, $missing -ErrorVariable lookupErrors -ErrorAction SilentlyContinue |
            Save-BgImage -Destination (Join-Path $dir 'out') | Export-BgReport -Path $page
        $lookupErrors | Should -HaveCount 1
        (Get-ReportSummary $page).failed | Should -Be 1
        (Get-ReportSummary $page).done | Should -Be 1
        $card = @(Get-Card $page $missing)
        $card | Should -HaveCount 1
        $card[0] | Should -Match '<article class="failed"'
        $card[0] | Should -Match ('<dt>Error id</dt><dd>' + $lookupErrors[0].FullyQualifiedErrorId.Split(',')[0] + '</dd>')
    }

    It 'reports the image that met a terminating error (a revoked key), collected with -ErrorVariable' {
        $null = Use-FreshJournal
        $dir = New-Sources 3
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'feature'; kind = '401'; skip = 1 }) }
        $caught = $null
        try {
            Get-ChildItem -LiteralPath $dir -Filter *.png | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 1 -ErrorVariable stopped |
                Export-BgReport -Path (Join-Path $dir 'never.html')
        }
        catch { $caught = $_ }
        finally { Set-OneMinEmulatorConfig $Emu @{ faults = @() } }
        $caught.FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed,*'
        Test-Path -LiteralPath (Join-Path $dir 'never.html') | Should -BeFalse -Because 'a terminating error ends the whole pipeline'
        $page = Join-Path $dir 'stopped.html'
        $stopped | Export-BgReport -Path $page
        (Get-ReportSummary $page).failed | Should -Be 1
        $record = @($stopped | ForEach-Object { if ($_ -is [Management.Automation.ErrorRecord]) { $_ } else { $_.ErrorRecord } } |
            Where-Object TargetObject)
        $record | Should -Not -BeNullOrEmpty
        $card = @(Get-Card $page (Split-Path -Leaf $record[0].TargetObject))
        $card | Should -HaveCount 1
        $card[0] | Should -Match '<dt>Error id</dt><dd>AuthenticationFailed</dd>'
        (Get-Content -LiteralPath $page -Raw) | Should -Not -Match ([regex]::Escape($Emu.ApiKey))
    }
}

Describe $BrowserTitle -Skip:$NoChromium {
    BeforeAll {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        # A night's batch: three folders of product photos with awkward names, one image the service fails,
        # one whose answer is lost (outcome unknown), one reused from the journal, all saved, then one report.
        $script:Batch = Join-Path (New-Folder) 'night 1'
        $folders = 'shoes [red]', 'bags #2', '50% sale'
        for ($i = 0; $i -lt $folders.Count; $i++) {
            $dir = Join-Path $Batch "photos/$($folders[$i])"
            $null = New-Item -ItemType Directory -Path $dir
            # Another width per folder: photo 1 of each folder has the same colour, and the same content would be
            # the same request to the journal.
            New-TestImage -Path $dir -Count 4 -Prefix 'photo ' -Width (120 + 8 * $i) -Height 90
        }
        $all = @(Get-ChildItem -LiteralPath (Join-Path $Batch 'photos') -Recurse -File | Sort-Object FullName)
        Set-OneMinEmulatorConfig $Emu @{ recordStatus = 'FAILURE' }
        $null = $all[0] | Invoke-BackgroundReplace -Prompt 'white studio' -Size 1024x1024 -ErrorAction SilentlyContinue
        Set-OneMinEmulatorConfig $Emu @{ recordStatus = 'SUCCESS'; faults = @(@{ endpoint = 'feature'; kind = 'reset-after'; count = 1 }) }
        $null = $all[1] | Invoke-BackgroundReplace -Prompt 'white studio' -Size 1024x1024 -MaximumRetryCount 0 -ErrorAction SilentlyContinue
        Set-OneMinEmulatorConfig $Emu @{ faults = @() }
        $null = $all[2] | Invoke-BackgroundReplace -Prompt 'white studio' -Size 1024x1024
        $results = @($all | Select-Object -Skip 2 | Invoke-BackgroundReplace -Prompt 'white studio' -Size 1024x1024)
        $saved = @($results | Save-BgImage -Destination (Join-Path $Batch 'out') -RelativeTo (Join-Path $Batch 'photos'))
        $saved | Should -HaveCount 10
        $script:Report = Join-Path $Batch 'report.html'
        @(Get-BgResult | Where-Object Status -NE 'SUCCESS') + @($results) + @($saved) |
            Export-BgReport -Path $Report -Title 'Night 1'

        # The reviewer gets the batch on another machine: the whole folder, moved.
        $script:Moved = Join-Path (New-Folder) 'copied here'
        $null = New-Item -ItemType Directory -Path $Moved
        Move-Item -LiteralPath $Batch -Destination $Moved
        $script:MovedReport = Join-Path $Moved 'night 1/report.html'
        $script:Browser = Start-Chromium -Width 1280 -Height 900
    }

    AfterAll {
        Stop-Chromium $Browser
    }

    It 'decodes every picture of the moved report, lazy and sized, with a placeholder for each missing result' {
        (Get-ReportSummary $MovedReport).failed | Should -Be 2
        (Get-ReportSummary $MovedReport).reused | Should -Be 1
        Open-Page $Browser $MovedReport
        $check = Test-PageImages $Browser
        $check.Total | Should -Be 22 -Because '12 sources and 10 saved results'
        @($check.Broken) | Should -HaveCount 0 -Because "every picture decodes (broken: $($check.Broken -join ', '))"
        $check.Lazy | Should -Be $check.Total
        $check.Sized | Should -Be $check.Total
        $check.Placeholders | Should -Be 2 -Because 'the failed and the unknown image have no result'
    }

    It 'loads only the pictures near the screen at first, and every one once scrolled to (a long report opens fast)' {
        $dir = New-Sources 60
        $page = Join-Path $dir 'long.html'
        # The page is what matters here, not the service: results as Get-BgResult gives them, each saved file
        # another picture (a browser loads one file once, however often the page shows it).
        Get-ChildItem -LiteralPath $dir -File | ForEach-Object {
            [OneMinBg.BgResult]@{ Id = [guid]::NewGuid().ToString(); Status = 'SUCCESS'; SourcePath = $_.FullName }
        } | Export-BgReport -Path $page
        Open-Page $Browser $page
        $check = Test-PageImages $Browser
        $check.Total | Should -Be 60
        $check.Height | Should -BeGreaterThan 10000
        $check.LoadedAtFirst | Should -BeLessThan 30 -Because 'pictures far below the screen wait until they are scrolled to'
        @($check.Broken) | Should -HaveCount 0
    }

    It 'sees a broken picture when there is one (the check can fail)' {
        $page = Join-Path (New-Folder) 'broken.html'
        $good = (Get-ReportImage $MovedReport)[0]
        $html = (Get-Content -LiteralPath $MovedReport -Raw) -replace '(?s)<main>.*</main>', (
            '<main><img src="missing.png" width="10" height="10"><img src="' + [uri]::new($good.File).AbsoluteUri +
            '" width="10" height="10"></main>')
        Set-Content -LiteralPath $page -Value $html
        Open-Page $Browser $page
        $check = Test-PageImages $Browser
        $check.Total | Should -Be 2
        @($check.Broken) | Should -Be @('missing.png')
    }

    It 'shows a placeholder, and no broken image, for a source deleted after the run' {
        $dir = New-Sources 3
        $saved = @(Get-ChildItem -LiteralPath $dir -File | Invoke-BackgroundReplace -Prompt 'x' -Size 1024x1024 |
            Save-BgImage -Destination (Join-Path $dir 'out'))
        Remove-Item -LiteralPath $saved[0].BgSourcePath
        $page = Join-Path $dir 'report.html'
        $saved | Export-BgReport -Path $page
        Open-Page $Browser $page
        $check = Test-PageImages $Browser
        @($check.Broken) | Should -HaveCount 0
        $check.Total | Should -Be 5
        $check.Placeholders | Should -Be 1
    }

    It 'takes a screenshot of the whole page' {
        Open-Page $Browser $MovedReport
        $null = Test-PageImages $Browser
        $shot = Join-Path $TestDrive 'report.png'
        Save-PageScreenshot $Browser $shot
        $png = Get-PngInfo $shot
        $png.Png | Should -BeTrue
        $png.Complete | Should -BeTrue
        $png.Width | Should -Be 1280
        $png.Height | Should -BeGreaterThan 900 -Because 'the whole page, not the first screen'
    }
}
