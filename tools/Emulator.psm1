# Tools for the tests, the demo and the benchmark: start, drive and stop the local 1min.ai emulator
# (tests/OneMinBg.Emulator), make test images, and run a script in a fresh pwsh (Invoke-FreshPwsh, the
# one place a child pwsh is started). Each emulator watches the process that started it and exits
# with it, so a crashed run never leaves one behind.

$script:EmulatorDll = Join-Path $PSScriptRoot '../out/emulator/OneMinBg.Emulator.dll'

function Get-DotnetPath {
    # pwsh from the .NET tool runs as 'dotnet pwsh.dll'; an installed pwsh has dotnet on PATH.
    $self = [Environment]::ProcessPath
    if ($self -and [IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { return $self }
    (Get-Command dotnet -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
}

function Start-OneMinEmulator {
    <# Starts an emulator and returns an object with ApiUri, DownloadUri, ApiKey and Process. #>
    [CmdletBinding()]
    param(
        [string] $ApiKey = 'emulator-key-0123456789',
        [int] $LatencyMs = 0,
        [int] $RateLimitPerMinute = 0,
        [hashtable] $Config
    )
    if (-not (Test-Path $script:EmulatorDll)) {
        throw "The emulator is not built ($script:EmulatorDll). Run ./build.ps1 first."
    }
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("onemin-emu-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $dir
    $urlsFile = Join-Path $dir 'urls.json'
    $argList = @((Resolve-Path $script:EmulatorDll).ProviderPath, 'serve', '--api-key', $ApiKey,
        '--latency-ms', $LatencyMs,
        '--rate-limit', $RateLimitPerMinute, '--urls-file', $urlsFile, '--parent-pid', $PID)
    $process = Start-Process -FilePath (Get-DotnetPath) -ArgumentList $argList -PassThru -NoNewWindow `
        -RedirectStandardOutput (Join-Path $dir 'stdout.txt') -RedirectStandardError (Join-Path $dir 'stderr.txt')
    # Wait for the emulator to say where it listens (it writes the file atomically once bound).
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while (-not (Test-Path $urlsFile)) {
        if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            $err = Get-Content (Join-Path $dir 'stderr.txt') -Raw -ErrorAction SilentlyContinue
            throw "The emulator did not start: $err"
        }
        $process.WaitForExit(100) | Out-Null
    }
    $urls = Get-Content $urlsFile -Raw | ConvertFrom-Json
    $emulator = [pscustomobject]@{
        ApiUri      = [uri]$urls.api
        DownloadUri = [uri]$urls.download
        ApiKey      = $ApiKey
        Process     = $process
        Folder      = $dir
    }
    if ($Config) { Set-OneMinEmulatorConfig -Emulator $emulator -Config $Config }
    $emulator
}

function Stop-OneMinEmulator {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Emulator)
    process {
        if (-not $Emulator.Process.HasExited) {
            $Emulator.Process.Kill()
            $Emulator.Process.WaitForExit(10000) | Out-Null
        }
        Remove-Item -LiteralPath $Emulator.Folder -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Get-OneMinEmulatorStats {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    Invoke-RestMethod -Uri ([uri]::new($Emulator.ApiUri, '_emulator/stats'))
}

function Set-OneMinEmulatorConfig {
    <# Merges the given settings (camelCase names of EmulatorConfig) onto the emulator's config. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [hashtable] $Config)
    $body = $Config | ConvertTo-Json -Depth 5 -Compress
    $uri = [uri]::new($Emulator.ApiUri, '_emulator/config')
    $null = Invoke-RestMethod -Method Post -Uri $uri -Body $body -ContentType 'application/json'
}

function Reset-OneMinEmulator {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    $null = Invoke-RestMethod -Method Post -Uri ([uri]::new($Emulator.ApiUri, '_emulator/reset'))
}

function New-TestImage {
    <# Writes valid test images with the emulator's generator: <Prefix><n>.<Format> in -Path. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [int] $Count = 1,
        [int] $Width = 64,
        [int] $Height = 64,
        [string] $Prefix = 'image',
        [ValidateSet('png', 'jpg', 'webp')] [string] $Format = 'png',
        [long] $Bytes = 0
    )
    $argList = @((Resolve-Path $script:EmulatorDll).ProviderPath, 'make-images', '--out', $Path, '--count', $Count,
        '--width', $Width, '--height', $Height, '--prefix', $Prefix, '--format', $Format)
    if ($Bytes -gt 0) { $argList += @('--bytes', $Bytes) }
    $said = & (Get-DotnetPath) @argList
    if ($LASTEXITCODE -ne 0) { throw "make-images failed with exit code $LASTEXITCODE`: $said" }
    Write-Verbose ($said -join ' ')
}

function Get-PngInfo {
    <#
    What a person checks to trust a saved PNG: the signature, the size in IHDR, and a chunk chain that
    adds up to the file's length and ends with IEND (a file cut anywhere fails this).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipelineByPropertyName)] [Alias('FullName')] [string] $Path)
    process {
        $bytes = [IO.File]::ReadAllBytes($Path)
        $info = [pscustomobject]@{ Path = $Path; Png = $false; Width = 0; Height = 0; Complete = $false }
        $signature = [byte[]](0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
        if ($bytes.Length -lt 33 -or -not [Linq.Enumerable]::SequenceEqual([byte[]]$bytes[0..7], $signature)) {
            return $info
        }
        $info.Png = $true
        $info.Width = [Net.IPAddress]::NetworkToHostOrder([BitConverter]::ToInt32($bytes, 16))
        $info.Height = [Net.IPAddress]::NetworkToHostOrder([BitConverter]::ToInt32($bytes, 20))
        $at = 8
        while ($at + 12 -le $bytes.Length) {
            $length = [Net.IPAddress]::NetworkToHostOrder([BitConverter]::ToInt32($bytes, $at))
            $type = [Text.Encoding]::ASCII.GetString($bytes, $at + 4, 4)
            if ($length -lt 0) { break }
            $at += 12 + $length
            if ($type -eq 'IEND') { $info.Complete = ($at -eq $bytes.Length); break }
        }
        $info
    }
}

function Get-RecoverableFaultMix {
    <#
    The fault mix of issue 5's figure 1, for the tests and the Faults task alike: 20% of API calls
    refused (429/503, with and without Retry-After: rules are tried in order, so 1/10 then 1/9 make
    20%) and 20% of downloads failing (503, a reset, a body cut off, a body cut behind a matching length).
    #>
    @(
        @{ endpoint = 'upload'; kind = '429'; rate = 0.1; retryAfter = '0' }
        @{ endpoint = 'upload'; kind = '503'; rate = 1 / 9 }
        @{ endpoint = 'feature'; kind = '429'; rate = 0.1 }
        @{ endpoint = 'feature'; kind = '503'; rate = 1 / 9; retryAfter = '0' }
        @{ endpoint = 'result'; kind = '503'; rate = 0.2 }
        @{ endpoint = 'download'; kind = '503'; rate = 0.05 }
        @{ endpoint = 'download'; kind = 'reset-after'; rate = 0.05 / 0.95 }
        @{ endpoint = 'download'; kind = 'truncated'; rate = 0.05 / 0.90 }
        @{ endpoint = 'download'; kind = 'truncated-short-length'; rate = 0.05 / 0.85 }
    )
}

function Get-PwshCommand {
    <#
    The command line that starts a fresh pwsh like this one, always as an array: 'dotnet <PSHOME>/pwsh.dll'
    for the .NET local tool, the pwsh executable itself for an installed PowerShell.
    #>
    $self = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') {
        return , @($self, (Join-Path $PSHOME 'pwsh.dll'))
    }
    , @($self)
}

function Invoke-FreshPwsh {
    <#
    Runs $Script in a fresh pwsh -NoProfile -NonInteractive like this one, with $Environment set for
    it ($null removes a variable) and restored afterwards. With -File, $Script is a script file run as
    pwsh -File does (with -ArgumentList), as a scheduled task runs it. Returns its output lines as text, error
    output included; the exit code is in $LASTEXITCODE. With -NoWait it returns the started Process
    at once, its output going to the -StandardOutput and -StandardError files.
    #>
    [CmdletBinding(DefaultParameterSetName = 'Wait')]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Script,
        [hashtable] $Environment = @{},
        [switch] $File,
        [string[]] $ArgumentList = @(),
        [Parameter(Mandatory, ParameterSetName = 'NoWait')] [switch] $NoWait,
        [Parameter(Mandatory, ParameterSetName = 'NoWait')] [string] $StandardOutput,
        [Parameter(Mandatory, ParameterSetName = 'NoWait')] [string] $StandardError
    )
    $pwsh = Get-PwshCommand
    $run = if ($File) { @('-File', $Script) + $ArgumentList } else { @('-Command', $Script) }
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive') + $run
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $(if ($null -ne $Environment[$name]) { "$($Environment[$name])" }))
    }
    try {
        if ($NoWait) {
            return Start-Process -FilePath $pwsh[0] -ArgumentList $arguments -PassThru `
                -RedirectStandardOutput $StandardOutput -RedirectStandardError $StandardError
        }
        & $pwsh[0] @arguments 2>&1 | ForEach-Object { "$_" }
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

Export-ModuleMember -Function Start-OneMinEmulator, Stop-OneMinEmulator, Get-OneMinEmulatorStats,
    Set-OneMinEmulatorConfig, Reset-OneMinEmulator, New-TestImage, Get-PngInfo, Get-PwshCommand, Invoke-FreshPwsh, Get-DotnetPath,
    Get-RecoverableFaultMix
