# The test suites of build.ps1 -Task Test, dot-sourced by tools/OneMinBg.build.ps1.

# Each suite runs with the results folder as its argument and returns its Passed and Failed counts;
# the Test task sums them. Adding a suite is one line here.
$script:TestSuites = [ordered]@{
    xunit  = { param($Results) Invoke-XunitSuite -Results $Results }
    Pester = { param($Results) Invoke-PesterSuite -Results $Results }
    # The shipped DLLs on Mono, the nearest stand-in for Windows PowerShell 5.1's .NET Framework.
    Mono   = { param($Results) Invoke-MonoTest -Configuration $TestConfiguration }
}

function Invoke-TestSuite {
    <# Runs the named suites (all when none), writes totals.json and fails when any test failed. #>
    param([string[]] $Name, [string] $Configuration, [string] $Results)
    $names = if ($Name) { $Name } else { @($TestSuites.Keys) }
    foreach ($n in $names) {
        if (-not $TestSuites.Contains($n)) {
            throw "No test suite '$n'; the suites are: $($TestSuites.Keys -join ', ')."
        }
    }
    if (Test-Path -LiteralPath $Results) { Remove-Item -LiteralPath $Results -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $Results
    $script:TestConfiguration = $Configuration
    $counts = foreach ($n in $names) {
        Write-Host $n -ForegroundColor Cyan
        # A suite that cannot run (its build failed, its runtime is missing) counts as one failure,
        # and the other suites' counts still reach the closing line.
        $c = try { & $TestSuites[$n] $Results }
        catch {
            Write-Host "The $n suite could not run: $_" -ForegroundColor Red
            [pscustomobject]@{ Passed = 0; Failed = 1 }
        }
        [pscustomobject]@{ Suite = $n; Passed = [int]$c.Passed; Failed = [int]$c.Failed }
    }
    $totals = [pscustomobject]@{
        Passed = ($counts | Measure-Object Passed -Sum).Sum
        Failed = ($counts | Measure-Object Failed -Sum).Sum
        Suites = @($counts)
    }
    # build.ps1 prints the closing line 'N passed, N failed' from this file, after Invoke-Build's summary.
    $totals | ConvertTo-Json -Depth 3 | Set-Content -LiteralPath (Join-Path $Results 'totals.json')
    $perSuite = $counts | ForEach-Object { "$($_.Suite): $($_.Passed) passed, $($_.Failed) failed" }
    Write-Host ($perSuite -join '; ') -ForegroundColor Cyan
    assert ($totals.Failed -eq 0 -and $totals.Passed -gt 0) "$($totals.Failed) test(s) failed."
}

function Invoke-XunitSuite {
    param([string] $Results)
    # The runner writes to the host, not to this function's output: only the counts are returned.
    & dotnet test (Join-Path $Root 'tests/OneMinBg.Tests/OneMinBg.Tests.csproj') -c $TestConfiguration --nologo `
        --logger 'trx;LogFileName=xunit.trx' --logger 'console;verbosity=normal' --results-directory $Results | Out-Host
    Get-TrxCount (Join-Path $Results 'xunit.trx')
}

function Get-TrxCount {
    param([string] $Path)
    if (-not (Test-Path $Path)) {
        # The run did not get as far as writing results (e.g. a compile error): count it as one failure.
        return [pscustomobject]@{ Passed = 0; Failed = 1 }
    }
    $counters = ([xml](Get-Content -LiteralPath $Path -Raw)).TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Passed = [int]$counters.passed
        Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout
    }
}

function Get-ToolModulePath {
    # A PowerShell tool from NuGet (tools/BuildTools.proj), restored into out/packages once.
    param([Parameter(Mandatory)] [string] $Id, [Parameter(Mandatory)] [string] $ManifestName)
    $proj = Join-Path $Root 'tools/BuildTools.proj'
    $version = (([xml](Get-Content -LiteralPath $proj -Raw)).Project.ItemGroup.PackageDownload |
        Where-Object Include -EQ $Id).Version.Trim('[]')
    $packages = Join-Path $Out 'packages'
    $path = Join-Path $packages "$($Id.ToLowerInvariant())/$version/tools/$ManifestName"
    if (-not (Test-Path -LiteralPath $path)) {
        exec { dotnet restore $proj --packages $packages --nologo -v quiet }
    }
    $path
}

function Invoke-PesterSuite {
    # Pester runs in a fresh pwsh so it imports the module just built, never one loaded earlier.
    param([string] $Results)
    $resultFile = Join-Path $Results 'pester.json'
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-ToolModulePath -Id Pester -ManifestName Pester.psd1)'
`$config = New-PesterConfiguration
`$config.Run.Path = '$(Join-Path $Root 'tests/pester')'
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'Detailed'
`$r = Invoke-Pester -Configuration `$config
`$failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount
[pscustomobject]@{ Passed = `$r.PassedCount; Failed = `$failed } | ConvertTo-Json |
    Set-Content -LiteralPath '$resultFile'
"@
    Invoke-FreshPwsh $script | Out-Host
    if (-not (Test-Path $resultFile)) { return [pscustomobject]@{ Passed = 0; Failed = 1 } }
    Get-Content -LiteralPath $resultFile -Raw | ConvertFrom-Json
}
