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
