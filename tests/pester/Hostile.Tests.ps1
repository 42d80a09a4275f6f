# Hostile conditions (issue 5): faults on every endpoint, bad input of every kind, key and file safety.
# Each Describe is one figure of the issue; `build.ps1 -Task Faults` measures figures 1, 2, 3 and 7 at scale.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # A long, distinctive key, so a hit when searching for it cannot be a coincidence.
    $script:Key = 'sk-hostile-' + [guid]::NewGuid().ToString('N') + [guid]::NewGuid().ToString('N').Substring(0, 12)
    $script:Emu = Start-OneMinEmulator -ApiKey $Key
    Use-Emulator $Emu

    function New-Folder {
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $dir
        $dir
    }

    function Assert-AllCompletePngs {
        param([string] $Folder, [int] $Count, [int] $Width = 1024, [int] $Height = 1024)
        $files = @(Get-ChildItem -LiteralPath $Folder -Force)
        $files | Should -HaveCount $Count
        foreach ($file in $files) {
            $file.Name | Should -BeLike '*_bg.png'   # no temporary .partial file left
            $facts = Get-PngInfo $file.FullName
            $facts.Png | Should -BeTrue -Because "$($file.Name) is a PNG"
            $facts.Complete | Should -BeTrue -Because "$($file.Name) ends with IEND at its last byte"
            "$($facts.Width)x$($facts.Height)" | Should -Be "${Width}x${Height}" -Because "$($file.Name) has the requested size"
        }
    }

    function Get-ChargeCounts {
        param($Stats)
        @($Stats.chargesBySource.PSObject.Properties.Value)
    }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Figure 1: a flaky API and a flaky download host' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
    }

    It '300 images with 20% of API calls and 20% of downloads failing: 300 saved, each charged once, each complete' {
        $src = New-Folder
        $out = Join-Path (New-Folder) 'out'
        New-TestImage -Path $src -Count 300
        Set-OneMinEmulatorConfig $Emu @{ seed = 1; faults = Get-RecoverableFaultMix }
        $files = Get-ChildItem -LiteralPath $src -File |
            Invoke-BackgroundReplace -Prompt 'white studio backdrop' -MaximumRetryCount 10 -ErrorVariable invokeErrors -ErrorAction SilentlyContinue |
            Save-BgImage -Destination $out -MaximumRetryCount 10 -ErrorVariable saveErrors -ErrorAction SilentlyContinue
        $stats = Get-OneMinEmulatorStats $Emu

        $invokeErrors | Should -HaveCount 0
        $saveErrors | Should -HaveCount 0
        $files | Should -HaveCount 300
        $stats.charges | Should -Be 300
        $stats.featureCalls | Should -BeGreaterThan 300 -Because 'refused image calls (429, 503: not charged) were sent again'
        Get-ChargeCounts $stats | Should -HaveCount 300
        Get-ChargeCounts $stats | Sort-Object -Unique | Should -Be 1
        # The run was as hostile as claimed: about a fifth of all requests failed.
        $requests = $stats.uploads + $stats.featureCalls + $stats.resultLookups + $stats.downloads
        $stats.faultsInjected / $requests | Should -BeGreaterThan 0.15
        $stats.faultsInjected / $requests | Should -BeLessThan 0.25
        Assert-AllCompletePngs -Folder $out -Count 300
    }
}

Describe 'Figure 2: image calls that fail after they were sent' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
    }

    It 'reports each one as FeatureOutcomeUnknown, never resends it, and goes on with the rest (<Case>)' -TestCases @(
        @{ Case = 'connection reset after the service charged'; Fault = @{ endpoint = 'feature'; kind = 'reset-after'; rate = 0.25 }; Extra = @{} }
        @{ Case = 'answer slower than -TimeoutSec'; Fault = @{ endpoint = 'feature'; kind = 'slow'; rate = 0.25; delayMs = 8000 }; Extra = @{ TimeoutSec = 2 } }
    ) {
        param($Case, $Fault, $Extra)
        $src = New-Folder
        $out = Join-Path (New-Folder) 'out'
        New-TestImage -Path $src -Count 24
        Set-OneMinEmulatorConfig $Emu @{ seed = 3; faults = @($Fault) }
        $stream = Get-ChildItem -LiteralPath $src -File |
            Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 4 @Extra -ErrorVariable errs -ErrorAction Continue 2>&1
        $results = @($stream | Where-Object { $_ -is [OneMinBg.BgResult] })
        $stats = Get-OneMinEmulatorStats $Emu

        $stats.faultsInjected | Should -BeGreaterThan 0
        $errs | Should -HaveCount $stats.faultsInjected
        $errs | ForEach-Object {
            $_.FullyQualifiedErrorId | Should -BeLike 'FeatureOutcomeUnknown,*'
            $_.CategoryInfo.Category | Should -Be 'OperationTimeout'
            $_.ToString() | Should -Match 'charged'
            $_.ToString() | Should -Match ([regex]::Escape((Split-Path $_.TargetObject -Leaf)))
        }
        # 0 silent resubmissions: one image call per image, whatever happened to it.
        $stats.featureCalls | Should -Be 24
        Get-ChargeCounts $stats | Sort-Object -Unique | Should -Be 1
        # Every image is accounted for, once: a result or an error.
        @($results.SourcePath) + @($errs.TargetObject) | Sort-Object -Unique | Should -HaveCount 24
        $results | Should -HaveCount (24 - $stats.faultsInjected)
        # The run went on after the first failure.
        $firstError = [array]::FindIndex([object[]]$stream, [Predicate[object]] { param($o) $o -is [Management.Automation.ErrorRecord] })
        @($stream[($firstError + 1)..($stream.Count - 1)] | Where-Object { $_ -is [OneMinBg.BgResult] }).Count | Should -BeGreaterThan 0
        ($results | Save-BgImage -Destination $out) | Should -HaveCount $results.Count
        # The journal says which ones may have been paid for.
        @(Get-BgResult -Status FAILED) | Should -HaveCount $errs.Count
    }
}

Describe 'Figure 3: a batch that cannot go on' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
    }

    It 'stops with one terminating error, and everything paid for is saved or in the journal (<Case>)' -TestCases @(
        @{ Case = 'key revoked mid-batch'; ErrorId = 'AuthenticationFailed'; Category = 'AuthenticationError'; FailsAfterCalls = 30
            Config = @{ featureLatencyMs = 150; faults = @(@{ endpoint = 'api'; kind = '401'; skip = 30 }) }
        }
        @{ Case = 'credits run out after 12 images'; ErrorId = 'InsufficientCredits'; Category = 'QuotaExceeded'; FailsAfterCalls = 2 * 12
            Config = @{ featureLatencyMs = 150; credits = 120; creditCost = 10 }
        }
        @{ Case = 'INSUFFICIENT_CREDITS answer after 12 images'; ErrorId = 'InsufficientCredits'; Category = 'QuotaExceeded'; FailsAfterCalls = 2 * 12
            Config = @{ featureLatencyMs = 150; faults = @(@{ endpoint = 'feature'; kind = 'insufficient-credits'; skip = 12 }) }
        }
    ) {
        param($Case, $ErrorId, $Category, $FailsAfterCalls, $Config)
        $src = New-Folder
        $out = Join-Path (New-Folder) 'out'
        New-TestImage -Path $src -Count 60
        Set-OneMinEmulatorConfig $Emu $Config
        $throttle = 8
        $results = [Collections.Generic.List[object]]::new()
        $caught = $null
        try {
            Get-ChildItem -LiteralPath $src -File |
                Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit $throttle -ErrorVariable errs -ErrorAction SilentlyContinue |
                ForEach-Object { $results.Add($_) }
        }
        catch { $caught = $_ }
        $stats = Get-OneMinEmulatorStats $Emu

        $caught | Should -Not -BeNullOrEmpty -Because 'the batch stops with a terminating error'
        $caught.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $caught.CategoryInfo.Category | Should -Be $Category
        $errs | Should -HaveCount 1 -Because 'one error for the whole batch, not one per remaining image'
        # Stopped, not ground through: after the failure, only the images already under way made calls.
        $stats.uploads | Should -BeLessThan 60
        ($stats.uploads + $stats.featureCalls) | Should -BeLessOrEqual ($FailsAfterCalls + 2 * 2 * $throttle)
        # Everything paid for was written, and the journal has every one of them.
        $stats.charges | Should -BeGreaterThan 0
        $results | Should -HaveCount $stats.charges
        $paid = @(Get-BgResult -Status SUCCESS)
        $paid | Should -HaveCount $stats.charges
        ($paid.Id | Sort-Object) | Should -Be ($results.Id | Sort-Object)

        # Once the account works again: the paid results are recovered from the journal and saved, and
        # running the same batch again pays only for the images that were never paid for.
        Set-OneMinEmulatorConfig $Emu @{ faults = @(); credits = 1000000 }
        $recovered = Get-BgResult -Status SUCCESS | Save-BgImage -Destination $out
        $recovered | Should -HaveCount $stats.charges
        Assert-AllCompletePngs -Folder $out -Count $stats.charges
        $all = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit $throttle
        $all | Should -HaveCount 60
        @($all | Where-Object Reused) | Should -HaveCount $stats.charges
        $after = Get-OneMinEmulatorStats $Emu
        $after.charges | Should -Be 60
        Get-ChargeCounts $after | Sort-Object -Unique | Should -Be 1
    }
}

Describe 'Figure 4: bad input mixed into a batch of good files' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = New-Folder
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
            Make = { param($dir) @{ Path = 'Env:\PATH' } } }
        @{ Name = 'a prompt over 4000 characters'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'
            Make = { param($dir) @{ Path = (Join-Path $dir 'good2.png'); Prompt = ('sky ' * 1001) } } }
        @{ Name = 'an empty prompt'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'
            Make = { param($dir) @{ Path = (Join-Path $dir 'good2.png'); Prompt = '' } } }
        @{ Name = 'a blank prompt'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'
            Make = { param($dir) @{ Path = (Join-Path $dir 'good2.png'); Prompt = '   ' } } }
        @{ Name = 'an invalid -Size'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'
            Make = { param($dir) @{ Path = (Join-Path $dir 'good2.png'); Size = '2048x2048' } } }
        @{ Name = 'an invalid -Quality'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'
            Make = { param($dir) @{ Path = (Join-Path $dir 'good2.png'); Quality = 'ultra' } } }
        @{ Name = 'an invalid -Background'; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'
            Make = { param($dir) @{ Path = (Join-Path $dir 'good2.png'); Background = 'green' } } }
    ) {
        param($Name, $ErrorId, $Category, $Make)
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
            # The row itself is the target, and the message names the parameter it failed on.
            $errs[0].TargetObject.Path | Should -Be $badRow.Path
            $param = @($bad.Keys | Where-Object { $_ -ne 'Path' })[0]
            $errs[0].ToString() | Should -Match "'$param'"
        }
        else {
            $errs[0].TargetObject | Should -BeLike ('*' + ($bad.Path -replace '^.*[\\/]', ''))
            $errs[0].ToString() | Should -Match ([regex]::Escape(($bad.Path -replace '^.*[\\/]', '')))
        }
        ($results.SourcePath | Sort-Object -Unique) | Should -Be $Good.FullName
        $results | Should -HaveCount 3
        # Checked before anything was sent: only the good files were uploaded and charged.
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.uploads | Should -Be 3
        $stats.charges | Should -Be 3
    }

    It 'gives exactly one NoResultToSave error for a BgResult without results, and saves the good ones' {
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
}

Describe 'Figure 5: the key appears nowhere' {
    It 'is in no output, stream, transcript, journal, saved file or exception of a run through every kind of failure, and never goes to the download host' {
        Reset-OneMinEmulator $Emu
        $journal = Use-FreshJournal
        $work = New-Folder
        $src = Join-Path $work 'src'
        New-TestImage -Path $src -Count 6
        $script = Join-Path $work 'hygiene.ps1'
        $env:HYGIENE_WORK = $work
        $env:HYGIENE_MODULE = $ModulePath
        $env:HYGIENE_TOOLS = Join-Path $RepoRoot 'tools/Emulator.psm1'
        # The child gets the key only from $env:ONEMIN_API_KEY, never on its command line or in this script.
        Set-Content -LiteralPath $script -Value @'
$ErrorActionPreference = 'Continue'
$ProgressPreference = 'SilentlyContinue'
Import-Module $env:HYGIENE_MODULE
Import-Module $env:HYGIENE_TOOLS
$emu = [pscustomobject]@{ ApiUri = [uri]$env:ONEMIN_BASE_URL }
$work = $env:HYGIENE_WORK
$src = Join-Path $work 'src'
$out = Join-Path $work 'out'
$streams = [Collections.Generic.List[object]]::new()
$null = Start-Transcript -LiteralPath (Join-Path $work 'transcript.txt')

function Step([string] $Name, [hashtable] $Config, [scriptblock] $Run) {
    Write-Host "=== $Name"
    $settings = @{ faults = @(); credits = 1000000 }
    foreach ($k in $Config.Keys) { $settings[$k] = $Config[$k] }
    Set-OneMinEmulatorConfig $emu $settings
    try { & $Run *>&1 | ForEach-Object { $streams.Add($_); $_ } | Out-Host }
    catch { $streams.Add($_); $_ | Format-List * -Force | Out-Host }
}

Step 'flaky API and downloads' @{ seed = 5; faults = @(
        @{ endpoint = 'upload'; kind = '503'; rate = 0.3 }
        @{ endpoint = 'feature'; kind = '429'; rate = 0.3; retryAfter = '0' }
        @{ endpoint = 'feature'; kind = 'reset-after'; count = 1 }
        @{ endpoint = 'download'; kind = 'redirect'; count = 2 }
        @{ endpoint = 'download'; kind = 'truncated'; count = 1 }
        @{ endpoint = 'download'; kind = '403'; count = 1 }
        @{ endpoint = 'result'; kind = 'malformed-json'; count = 1 }
    ) } {
    Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'studio' -Verbose -Debug -MaximumRetryCount 10 |
        Save-BgImage -Destination $out -Verbose -Debug -MaximumRetryCount 10
}
Step 'a server that echoes the key' @{ faults = @(@{ endpoint = 'api'; kind = 'echo-key' }) } {
    Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'forest' -Verbose -Debug
    Get-BgResult -Id 'no-such-record' -Verbose -Debug
}
Step 'look-ups and the journal' @{} {
    $ids = (Get-BgResult -Status SUCCESS).Id
    Get-BgResult -Id $ids -Verbose -Debug | Format-List *
    Get-BgResult -Id 'no-such-record' -Verbose -Debug
    Get-BgResult -Verbose -Debug | Format-List *
    Get-BgResult -Status SUCCESS | Save-BgImage -Destination $out -Verbose -Debug
}
Step 'bad files' @{} {
    Invoke-BackgroundReplace -LiteralPath (Join-Path $src 'missing.png'), (Join-Path $work 'hygiene.ps1') -Prompt 'x' -Verbose -Debug
}
Step 'a broken connection to the API' @{ faults = @(@{ endpoint = 'api'; kind = 'reset-before' }) } {
    Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'desert' -MaximumRetryCount 1 -Verbose -Debug
}
Step 'nobody listening' @{} {
    $free = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $free.Start(); $port = $free.LocalEndpoint.Port; $free.Stop()
    Get-ChildItem -LiteralPath $src -File | Select-Object -First 2 |
        Invoke-BackgroundReplace -Prompt 'canyon' -BaseUri "http://127.0.0.1:$port/" -MaximumRetryCount 1 -Verbose -Debug
}
Step 'the key passed as a SecureString' @{} {
    Get-ChildItem -LiteralPath $src -File | Select-Object -First 1 |
        Invoke-BackgroundReplace -Prompt 'meadow' -ApiKey (ConvertTo-SecureString $env:ONEMIN_API_KEY -AsPlainText -Force) -Verbose -Debug
}
Step 'an insecure base URL' @{} {
    Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'x' -BaseUri 'http://api.example.invalid/' -Verbose -Debug
}
Step 'the key revoked' @{ faults = @(@{ endpoint = 'api'; kind = '401' }) } {
    Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'snow' -Force -Verbose -Debug
}
Step 'out of credits' @{ credits = 0 } {
    Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'rain' -Force -Verbose -Debug
}
$null = Stop-Transcript

# Everything PowerShell knows about every error, as a user would dig into it.
$dump = foreach ($e in $Error) {
    $e.Exception.ToString()
    $e | Format-List * -Force | Out-String -Width 4096
    $e.Exception | Format-List * -Force | Out-String -Width 4096
    $e.InvocationInfo | Format-List * | Out-String -Width 4096
    $e | ConvertTo-Json -Depth 2 -WarningAction SilentlyContinue
}
$dump += $streams | ForEach-Object { if ($_ -is [Management.Automation.ErrorRecord]) { $_.ToString() } else { $_ | Format-List * -Force | Out-String -Width 4096 } }
Set-Content -LiteralPath (Join-Path $work 'dump.txt') -Value $dump
@{
    Verbose = @($streams | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Count
    Debug = @($streams | Where-Object { $_ -is [Management.Automation.DebugRecord] }).Count
    Errors = $Error.Count
    Ids = @($Error | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] } | Sort-Object -Unique)
} | ConvertTo-Json -Compress
'@
        try {
            $lines = Invoke-FreshPwsh "& '$script'"
        }
        finally { Remove-Item Env:HYGIENE_WORK, Env:HYGIENE_MODULE, Env:HYGIENE_TOOLS -ErrorAction SilentlyContinue }
        $summary = $lines | Select-Object -Last 1 | ConvertFrom-Json
        $stats = Get-OneMinEmulatorStats $Emu

        # The scenarios ran: verbose and debug streams, every kind of error, and the key really in use.
        $summary.Verbose | Should -BeGreaterThan 20
        $summary.Debug | Should -BeGreaterThan 20
        foreach ($id in 'FeatureOutcomeUnknown', 'ApiRejected', 'ResultNotFound', 'FileNotFound', 'NotAnImage', 'ConnectionFailed', 'InvalidBaseUri', 'AuthenticationFailed', 'InsufficientCredits') {
            $summary.Ids | Should -Contain $id
        }
        # Six images; one lost to the reset after it was sent, the rest saved despite the download faults.
        @(Get-ChildItem -LiteralPath (Join-Path $work 'out') -File) | Should -HaveCount 5
        $stats.requestsWithKey | Should -BeGreaterThan 0
        $stats.redirectedDownloads | Should -BeGreaterThan 0

        # 0 requests carried the key to the download host, or to where it redirected.
        $stats.downloadRequestsWithKey | Should -Be 0
        $stats.redirectedRequestsWithKey | Should -Be 0

        # 0 hits: the whole key, or a distinctive 16-character piece of it, in any text or any file left behind.
        $pieces = @($Key, $Key.Substring(14, 16))
        $texts = @{ 'child output' = ($lines -join "`n") }
        $files = @(Get-ChildItem -LiteralPath $work -Recurse -File -Force) +
            @(Get-ChildItem -LiteralPath (Split-Path $journal) -Filter ((Split-Path $journal -Leaf) + '*') -File -Force)
        $files | Should -Not -BeNullOrEmpty
        foreach ($file in $files) { $texts[$file.FullName] = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($file.FullName)) }
        (Get-Item -LiteralPath (Join-Path $work 'transcript.txt')).Length | Should -BeGreaterThan 1000
        $hits = foreach ($name in $texts.Keys) { foreach ($piece in $pieces) { if ($texts[$name].Contains($piece)) { $name } } }
        $hits | Should -BeNullOrEmpty
    }
}

Describe 'Figure 6: transport and file safety' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = New-Folder
    }

    Context 'a plain http:// API on another machine' {
        BeforeAll {
            # A listener on every interface, reached by a name or address that is not loopback: whether
            # anything was sent shows in whether a connection arrived.
            $script:Listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Any, 0)
            $Listener.Start()
            $address = [Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces() |
                Where-Object { $_.OperationalStatus -eq 'Up' } |
                ForEach-Object { $_.GetIPProperties().UnicastAddresses.Address } |
                Where-Object { $_.AddressFamily -eq 'InterNetwork' -and -not [Net.IPAddress]::IsLoopback($_) } |
                Select-Object -First 1
            $hostPart = if ($address) { $address.ToString() } else { [Net.Dns]::GetHostName() }
            $script:InsecureUrl = "http://${hostPart}:$($Listener.LocalEndpoint.Port)/"
        }

        AfterAll { $Listener.Stop() }

        It 'is refused with one terminating error naming the URL and -AllowInsecureHttp, sending nothing (<Command>, <Via>)' -TestCases @(
            @{ Command = 'Invoke-BackgroundReplace'; Via = '-BaseUri' }
            @{ Command = 'Invoke-BackgroundReplace'; Via = 'ONEMIN_BASE_URL' }
            @{ Command = 'Get-BgResult'; Via = '-BaseUri' }
            @{ Command = 'Save-BgImage'; Via = '-BaseUri' }
        ) {
            param($Command, $Via)
            New-TestImage -Path $Dir -Count 2
            $made = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x'
            $extra = @{}
            if ($Via -eq '-BaseUri') { $extra.BaseUri = $InsecureUrl }
            $saved = $env:ONEMIN_BASE_URL
            if ($Via -eq 'ONEMIN_BASE_URL') { $env:ONEMIN_BASE_URL = $InsecureUrl }
            try {
                $err = {
                    switch ($Command) {
                        'Invoke-BackgroundReplace' { Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'y' @extra }
                        'Get-BgResult' { $made | Get-BgResult @extra }
                        'Save-BgImage' { $made | Save-BgImage -Destination (Join-Path $Dir 'out') @extra }
                    }
                } | Should -Throw -PassThru
            }
            finally { $env:ONEMIN_BASE_URL = $saved }
            $err.FullyQualifiedErrorId | Should -BeLike 'InvalidBaseUri,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.ToString() | Should -Match ([regex]::Escape($InsecureUrl))
            $err.ToString() | Should -Match 'AllowInsecureHttp'
            $Listener.Pending() | Should -BeFalse -Because 'no connection was made to the insecure URL'
            Test-Path (Join-Path $Dir 'out') | Should -BeFalse
        }

        It 'is used when -AllowInsecureHttp says so' {
            New-TestImage -Path $Dir -Count 1
            $null = Get-ChildItem -LiteralPath $Dir -File |
                Invoke-BackgroundReplace -Prompt 'x' -BaseUri $InsecureUrl -AllowInsecureHttp -TimeoutSec 1 -MaximumRetryCount 0 -ErrorVariable errs -ErrorAction SilentlyContinue
            # The listener never answers, so the upload times out: what matters is that it was sent there.
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'Timeout,*'
            $Listener.Pending() | Should -BeTrue
            $Listener.AcceptTcpClient().Dispose()
        }
    }

    It 'follows a download redirect without the key, and never follows an API redirect' {
        New-TestImage -Path $Dir -Count 5
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'download'; kind = 'redirect' }) }
        $files = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' | Save-BgImage -Destination (Join-Path $Dir 'out')
        $files | Should -HaveCount 5
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.redirectedDownloads | Should -Be 5
        $stats.redirectedRequestsWithKey | Should -Be 0
        $stats.downloadRequestsWithKey | Should -Be 0

        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'upload'; kind = 'redirect'; count = 1 }) }
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $results | Should -HaveCount 4
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidResponse,*'
        $errs[0].ToString() | Should -Match 'redirect'
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.redirectedDownloads | Should -Be 0 -Because 'the redirected upload was not sent again anywhere'
        $stats.redirectedRequestsWithKey | Should -Be 0
    }

    It 'keeps a server-sent name (<Name>) inside the destination as <Expected>' -TestCases @(
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
}
