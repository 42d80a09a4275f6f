# The module's dependencies on Windows PowerShell 5.1 (.NET Framework), dot-sourced by tools/BuildTasks.ps1:
#   Copy-ModuleDependency       lays out the module folder: the module's own DLLs beside the manifest,
#                               every other DLL in dependencies/ (found there only by the module's handler,
#                               src/OneMinBg/Hosting/DependencyResolver.cs, and ignored by PowerShell 7);
#   Test-ModuleReferenceClosure checks that every strong-named reference among the shipped DLLs is met;
#   Invoke-MonoTest             runs tests/OneMinBg.NetFx on Mono against the emulator.

$script:ModuleAssemblies = @('OneMinBg.dll', 'OneMinBg.Client.dll')
$script:DependencyFolder = 'dependencies'

function Copy-ModuleDependency {
    <# Copies the published DLLs into the module folder: the module's own at its root, the rest in dependencies/. #>
    param([Parameter(Mandatory)] [string] $Publish, [Parameter(Mandatory)] [string] $Destination)
    $dependencies = Join-Path $Destination $DependencyFolder
    $null = New-Item -ItemType Directory -Path $dependencies -Force
    foreach ($dll in Get-ChildItem -LiteralPath $Publish -Filter *.dll) {
        $target = if ($dll.Name -in $ModuleAssemblies) { $Destination } else { $dependencies }
        Copy-Item -LiteralPath $dll.FullName -Destination $target
    }
}

function Get-AssemblyMetadata {
    # Name, version, public key token and strong-named references of one DLL, read without loading it.
    param([Parameter(Mandatory)] [string] $Path)
    $stream = [IO.File]::OpenRead($Path)
    try {
        $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        if (-not $pe.HasMetadata) { return }
        $md = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
        if (-not $md.IsAssembly) { return }
        $definition = $md.GetAssemblyDefinition()
        $references = foreach ($handle in $md.AssemblyReferences) {
            $reference = $md.GetAssemblyReference($handle)
            [pscustomobject]@{
                Name    = $md.GetString($reference.Name)
                Version = $reference.Version
                Token   = ConvertTo-TokenText $md.GetBlobBytes($reference.PublicKeyOrToken) `
                    -IsFullKey:(([int]$reference.Flags -band 1) -ne 0)
            }
        }
        [pscustomobject]@{
            Name       = $md.GetString($definition.Name)
            Version    = $definition.Version
            Token      = ConvertTo-TokenText $md.GetBlobBytes($definition.PublicKey) -IsFullKey
            File       = $Path
            References = @($references)
            Handler    = Get-HandlerFolder $md
        }
    }
    finally { $stream.Dispose() }
}

function ConvertTo-TokenText {
    # A public key token as hex; a full public key is first hashed into its token (the last 8 bytes of SHA-1, reversed).
    param([byte[]] $Bytes, [switch] $IsFullKey)
    if (-not $Bytes -or $Bytes.Length -eq 0) { return '' }
    if ($IsFullKey) {
        $Bytes = [byte[]]([Security.Cryptography.SHA1]::HashData($Bytes) | Select-Object -Last 8)
        [array]::Reverse($Bytes)
    }
    -join ($Bytes | ForEach-Object { $_.ToString('x2') })
}

function Get-HandlerFolder {
    # The folder the dependency handler resolves from (DependencyResolver.FolderName), when this assembly has
    # both the handler and a module initializer (IModuleAssemblyInitializer) that PowerShell calls; else null.
    param([System.Reflection.Metadata.MetadataReader] $Md)
    $initializer = $false; $folder = $null
    foreach ($handle in $Md.TypeDefinitions) {
        $type = $Md.GetTypeDefinition($handle)
        foreach ($implementation in $type.GetInterfaceImplementations()) {
            $interface = $Md.GetInterfaceImplementation($implementation).Interface
            if ($interface.Kind -eq 'TypeReference' -and
                $Md.GetString($Md.GetTypeReference($interface).Name) -eq 'IModuleAssemblyInitializer') {
                $initializer = $true
            }
        }
        $name = $Md.GetString($type.Namespace) + '.' + $Md.GetString($type.Name)
        if ($name -ne 'OneMinBg.Hosting.DependencyResolver') { continue }
        foreach ($fieldHandle in $type.GetFields()) {
            $field = $Md.GetFieldDefinition($fieldHandle)
            if ($Md.GetString($field.Name) -eq 'FolderName') {
                $blob = $Md.GetBlobReader($Md.GetConstant($field.GetDefaultValue()).Value)
                $folder = $blob.ReadUTF16($blob.Length)
            }
        }
    }
    if ($initializer) { $folder }
}

function Get-NetFrameworkReferencePath {
    # .NET Framework 4.7.2's assemblies (what powershell.exe's runtime has in the box), from the NuGet package
    # tests/OneMinBg.NetFx builds against; restored on first use.
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $package = 'microsoft.netframework.referenceassemblies.net472/1.0.3/build/.NETFramework/v4.7.2'
    $folder = Join-Path $packages.Trim() $package
    if (-not (Test-Path $folder)) {
        & dotnet restore (Join-Path $Root 'tests/OneMinBg.NetFx/OneMinBg.NetFx.csproj') --nologo -v quiet
        if ($LASTEXITCODE) { throw "dotnet restore of tests/OneMinBg.NetFx failed ($LASTEXITCODE)" }
    }
    $folder
}

function Test-ModuleReferenceClosure {
    <#
    .SYNOPSIS
        Checks that the module's reference graph is closed on .NET Framework 4.7.2; returns the problems.
    .DESCRIPTION
        Every strong-named reference of every shipped DLL must be met by one of:
        the framework (a .NET Framework 4.7.2 assembly of that name and the same or a higher version, which the
        runtime unifies), PowerShell (System.Management.Automation), a shipped file of exactly that name, token and
        version, or the module's dependency handler (a file in its folder with that name and token and the same or
        a higher version, and only when OneMinBg.dll has the handler and a module initializer that registers it).
        Returns one string per unmet reference (none: the graph is closed); -Verbose tells how each is met.
    #>
    param([string] $ModuleFolder = $ModuleOut, [string] $FrameworkFolder = (Get-NetFrameworkReferencePath))
    $framework = @{}
    $frameworkFiles = Get-ChildItem -LiteralPath $FrameworkFolder, (Join-Path $FrameworkFolder 'Facades') -Filter *.dll
    foreach ($dll in $frameworkFiles) {
        $metadata = Get-AssemblyMetadata $dll.FullName
        if ($metadata) { $framework[$metadata.Name] = $metadata.Version }
    }
    $shipped = @(Get-ChildItem -LiteralPath $ModuleFolder -Filter *.dll -Recurse |
        ForEach-Object { Get-AssemblyMetadata $_.FullName })
    $handler = ($shipped | Where-Object Name -EQ 'OneMinBg').Handler
    $handled = if ($handler) { Join-Path $ModuleFolder $handler } else { $null }
    foreach ($assembly in $shipped) {
        foreach ($reference in $assembly.References) {
            $want = "$($assembly.Name) -> $($reference.Name) $($reference.Version)"
            $candidate = $shipped | Where-Object Name -EQ $reference.Name | Select-Object -First 1
            $folder = if ($candidate) { Split-Path $candidate.File } else { $null }
            $sameToken = $candidate -and $candidate.Token -eq $reference.Token
            $how = if (-not $reference.Token) {
                if ($candidate) { 'shipped (not strong-named)' }
            }
            elseif ($framework.ContainsKey($reference.Name) -and $framework[$reference.Name] -ge $reference.Version) {
                '.NET Framework 4.7.2'
            }
            elseif ($reference.Name -eq 'System.Management.Automation') { 'PowerShell' }
            elseif ($sameToken -and $candidate.Version -eq $reference.Version -and
                $folder -eq (Split-Path $assembly.File)) {
                'shipped beside it, exact version'
            }
            elseif ($sameToken -and $handled -and $folder -eq $handled -and $candidate.Version -ge $reference.Version) {
                "the handler ($($candidate.Version) in $handler/)"
            }
            if ($how) { Write-Verbose "$want : $how" }
            else {
                $found = if ($candidate) { "shipped is $($candidate.Version) in $(Split-Path $folder -Leaf)/" }
                else { 'not shipped' }
                $why = if ($handler) { '' } else { '; OneMinBg.dll registers no dependency handler' }
                "$want is not met: $found$why"
            }
        }
    }
}

function Assert-ModuleReferenceClosure {
    # The build step: fails the build when Test-ModuleReferenceClosure finds an unmet reference.
    param([string] $ModuleFolder = $ModuleOut)
    $problems = @(Test-ModuleReferenceClosure -ModuleFolder $ModuleFolder)
    if ($problems) { throw "The module cannot load on Windows PowerShell 5.1:`n  $($problems -join "`n  ")" }
    Write-Host 'References: every strong-named reference is met on .NET Framework 4.7.2.'
}

function Invoke-MonoTest {
    <#
    .SYNOPSIS
        Runs tests/OneMinBg.NetFx (net472) on Mono against the emulator; returns Passed and Failed counts.
    .DESCRIPTION
        The program runs from a folder of its own (only its .exe), loads the module's DLLs from the built
        module folder and registers the module's dependency handler, unless -WithoutHandler: then the
        upload, replace and download must fail, since nothing else finds the dependencies.
    #>
    param([string] $Configuration = 'Release', [string] $ModuleFolder = $ModuleOut, [switch] $WithoutHandler)
    $mono = Get-Command mono -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $mono) {
        # CI must run it; on a developer's machine without Mono it is skipped, saying why.
        if ($env:CI -eq 'true') {
            Write-Warning 'Mono is not installed (Debian: apt-get install mono-devel): the .NET Framework run fails.'
            return [pscustomobject]@{ Passed = 0; Failed = 1 }
        }
        Write-Warning ('Mono suite skipped: mono is not installed (Debian: apt-get install mono-devel). ' +
            'CI (CI=true) counts a missing Mono as a failure.')
        return [pscustomobject]@{ Passed = 0; Failed = 0 }
    }
    $project = Join-Path $Root 'tests/OneMinBg.NetFx'
    & dotnet build (Join-Path $project 'OneMinBg.NetFx.csproj') -c $Configuration --nologo -v quiet
    if ($LASTEXITCODE) { throw "dotnet build of tests/OneMinBg.NetFx failed ($LASTEXITCODE)" }
    $work = Join-Path $Out 'netfx'
    if (Test-Path $work) { Remove-Item -LiteralPath $work -Recurse -Force }
    $run = New-Item -ItemType Directory -Path (Join-Path $work 'run')
    Copy-Item -LiteralPath (Join-Path $project "bin/$Configuration/net472/OneMinBg.NetFx.exe") -Destination $run
    New-TestImage -Path $work -Count 1 -Prefix 'netfx'
    $image = (Get-ChildItem -LiteralPath $work -Filter 'netfx*.png' | Select-Object -First 1).FullName
    $emulator = Start-OneMinEmulator
    try {
        $module = (Resolve-Path $ModuleFolder).ProviderPath
        $arguments = @($module, $emulator.ApiUri.AbsoluteUri, $emulator.ApiKey, $image, $work)
        if ($WithoutHandler) { $arguments += '--without-handler' }
        $lines = & $mono.Source (Join-Path $run 'OneMinBg.NetFx.exe') @arguments 2>&1 | ForEach-Object { "$_" }
    }
    finally { $emulator | Stop-OneMinEmulator }
    $lines | ForEach-Object { Write-Host "  $_" }
    $passed = @($lines | Where-Object { $_ -like 'ok - *' }).Count
    $failed = @($lines | Where-Object { $_ -like 'not ok - *' }).Count
    # A crash that printed no verdict is a failure too.
    if ($LASTEXITCODE -ne 0 -and $failed -eq 0) { $failed = 1 }
    [pscustomobject]@{ Passed = $passed; Failed = $failed }
}
