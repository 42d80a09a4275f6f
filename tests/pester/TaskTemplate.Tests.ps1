# The scheduled-task template (docs/examples/nightly-task.ps1, shown verbatim as Example 2 of
# Invoke-BackgroundReplace's help): run as a task runs it, pwsh -NonInteractive -File, against the
# emulator; its exit code must say whether the work was done (issue 12 item 1).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Template = Join-Path $RepoRoot 'docs/examples/nightly-task.ps1'
    $script:Emu = Start-OneMinEmulator

    function Invoke-Task {
        # Runs the template in a fresh pwsh -File, with the module found by name (as installed) and the
        # settings in the environment, as a task's account would have them.
        param([string[]] $Arguments, [hashtable] $Environment = @{}, [switch] $NoWait)
        $env = @{
            PSModulePath               = (Split-Path $ModulePath) + [IO.Path]::PathSeparator + $env:PSModulePath
            ONEMIN_BASE_URL            = $Emu.ApiUri.AbsoluteUri
            ONEMIN_API_KEY             = $Emu.ApiKey
            ONEMIN_REQUESTS_PER_MINUTE = '0'
            ONEMIN_JOURNAL_PATH        = $script:Journal
            ONEMIN_CONFIG_PATH         = Join-Path $TestDrive "config-$([guid]::NewGuid().ToString('N'))/config.json"
        }
        foreach ($name in $Environment.Keys) { $env[$name] = $Environment[$name] }
        if ($NoWait) {
            $log = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
            return Invoke-FreshPwsh $Template -File -ArgumentList $Arguments -Environment $env -NoWait `
                -StandardOutput "$log.out" -StandardError "$log.err"
        }
        $lines = Invoke-FreshPwsh $Template -File -ArgumentList $Arguments -Environment $env
        # The error view colours and wraps messages to the width of a console: undone, to match on words.
        $text = ($lines -join "`n") -replace '\e\[[0-9;]*m' -replace '\s*\n\s*\|\s*', ' '
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = $text }
    }

    function Get-FreePort {
        # A loopback port nobody listens on: bound for a moment, then released.
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'The scheduled-task template' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        Set-OneMinEmulatorConfig $Emu @{ faults = @(); credits = 1000000 }
        $script:Journal = Join-Path $TestDrive "journal-$([guid]::NewGuid().ToString('N')).jsonl"
        $script:Incoming = New-Sources 3
        $script:Out = Join-Path $TestDrive ([guid]::NewGuid())
        $script:FolderArgs = @('-Incoming', $Incoming, '-Destination', $Out)
    }

    It 'is shown verbatim as Example 2 of the help' {
        $page = Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'docs/en-US/Invoke-BackgroundReplace.md')
        $example = [regex]::Match($page, '(?s)### Example 2:[^\n]*\n```powershell\n(.*?)\n```').Groups[1].Value
        $example | Should -Not -BeNullOrEmpty
        ($example -replace '\r') | Should -BeExactly ((Get-Content -Raw -LiteralPath $Template) -replace '\r').TrimEnd("`n")
    }

    It 'exits 0 when every image is done and saved, and a re-run exits 0 paying nothing' {
        $run = Invoke-Task $FolderArgs
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match '3 images: 3 new, 0 reused, 0 failed; 3 saved; team credits \d+ of \d+ used'
        Assert-AllCompletePngs -Folder $Out -Count 3
        $charged = (Get-OneMinEmulatorStats $Emu).charges
        $charged | Should -Be 3

        $again = Invoke-Task $FolderArgs
        $again.ExitCode | Should -Be 0 -Because $again.Text
        $again.Text | Should -Match '3 images: 0 new, 3 reused, 0 failed; 3 saved'
        $again.Text | Should -Not -Match 'team credits +of' -Because 'a night that only reused has no team figures, and says none'
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.charges | Should -Be $charged
        $stats.uploads | Should -Be 3
        $stats.downloads | Should -Be 3
    }

    It 'exits 0 for an empty folder: nothing to do is done' {
        $run = Invoke-Task @('-Incoming', (New-Folder), '-Destination', $Out)
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match '0 images: 0 new, 0 reused, 0 failed; 0 saved'
    }

    It 'exits 1 when one file is bad, and still saves the others' {
        Set-Content -LiteralPath (Join-Path $Incoming 'bad.png') -Value 'not an image'
        $run = Invoke-Task $FolderArgs
        $run.ExitCode | Should -Be 1 -Because $run.Text
        $run.Text | Should -Match 'bad\.png'
        $run.Text | Should -Match '4 images: 3 new, 0 reused, 1 failed; 3 saved'
        Assert-AllCompletePngs -Folder $Out -Count 3
    }

    It 'exits 1 when <Name>' -ForEach @(
        @{ Name = 'the service rejects the key'; Environment = @{ ONEMIN_API_KEY = 'wrong-key' }; Says = 'API Key is not active' }
        @{ Name = 'there is no key'; Environment = @{ ONEMIN_API_KEY = $null }; Says = 'No 1min.ai API key' }
        @{ Name = 'the team has no credits left'; Credits = 0; Says = 'credits' }
    ) {
        if ($null -ne $Credits) { Set-OneMinEmulatorConfig $Emu @{ credits = $Credits } }
        $run = Invoke-Task $FolderArgs -Environment $Environment
        $run.ExitCode | Should -Be 1 -Because $run.Text
        $run.Text | Should -Match $Says
        (Get-OneMinEmulatorStats $Emu).charges | Should -Be 0
        Test-Path -LiteralPath (Join-Path $Out '*') | Should -BeFalse
    }

    It 'exits 1 when nobody answers at the service address' {
        $run = Invoke-Task $FolderArgs -Environment @{ ONEMIN_BASE_URL = "http://127.0.0.1:$(Get-FreePort)/" }
        $run.ExitCode | Should -Be 1 -Because $run.Text
        Test-Path -LiteralPath (Join-Path $Out '*') | Should -BeFalse
    }

    # Ctrl+C is SIGINT to the task's process (and to the dotnet host's child, with dotnet pwsh); Windows has no
    # kill -INT to send it from a test.
    It 'exits 1 when the run is stopped (Ctrl+C), and a re-run pays only for the rest (not on Windows: no SIGINT)' -Skip:$IsWindows {
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 1500 }
        $incoming = New-Sources 12
        $task = Invoke-Task @('-Incoming', $incoming, '-Destination', $Out) -NoWait
        Wait-Until { (Get-OneMinEmulatorStats $Emu).charges -ge 2 } -Because 'the first images are done'

        & kill -INT $task.Id
        & pkill -INT -P $task.Id
        $task.WaitForExit(60000) | Should -BeTrue
        $task.ExitCode | Should -Be 1

        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 0 }
        $again = Invoke-Task @('-Incoming', $incoming, '-Destination', $Out)
        $again.ExitCode | Should -Be 0 -Because $again.Text
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.featureCalls | Should -Be 12 -Because 'the calls with the service at the stop finished and were kept'
        $stats.charges | Should -Be 12
        Assert-AllCompletePngs -Folder $Out -Count 12
    }

    It 'exits 1 when the incoming folder is missing' {
        $run = Invoke-Task @('-Incoming', (Join-Path $TestDrive 'no-such-folder'), '-Destination', $Out)
        $run.ExitCode | Should -Be 1 -Because $run.Text
        $run.Text | Should -Match 'no-such-folder'
    }

    It 'exits 1 for a job list with <Name>, and still does the good rows' -ForEach @(
        @{ Name = 'a row without a prompt'; Row = ',,,'; Says = 'image2\.png'' has no prompt' }
        @{ Name = 'a row with Quality ultra'; Row = ',beach,,ultra'; Says = 'image2\.png.*"ultra" does not belong' }
        @{ Name = 'a row with Size 999x999'; Row = ',beach,999x999,'; Says = 'image2\.png.*gpt-image-1-mini does not make 999x999' }
    ) {
        $images = @(Get-ChildItem -LiteralPath $Incoming -File | Sort-Object Name)
        $jobs = Join-Path $TestDrive "jobs-$([guid]::NewGuid().ToString('N')).csv"
        @(
            'Path,Prompt,Size,Quality'
            "$($images[0].FullName),white studio backdrop,,"
            "$($images[1].FullName)$Row"
            "$($images[2].FullName),sunlit room,1536x1024,HIGH"
        ) | Set-Content -LiteralPath $jobs
        $run = Invoke-Task @('-JobList', $jobs, '-Destination', $Out)
        $run.ExitCode | Should -Be 1 -Because $run.Text
        $run.Text | Should -Match $Says
        $run.Text | Should -Match '3 images: 2 new, 0 reused, 1 failed; 2 saved'
        @(Get-ChildItem -LiteralPath $Out -File) | Should -HaveCount 2
    }
}
