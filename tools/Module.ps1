# Assembling the module folder, dot-sourced by tools/OneMinBg.build.ps1 (task Module).

function Build-ModuleFolder {
    <#
    Makes $ModuleFolder from scratch out of the published assemblies and the root files, with the
    release notes written into the manifest. A binary module cannot be unloaded, so a test process
    that loaded an old file tests the old file: no file of an earlier build may survive. On failure
    the folder is removed, so the next build makes it again.
    #>
    param(
        [Parameter(Mandatory)] [string] $Publish,
        [Parameter(Mandatory)] [string] $ModuleFolder,
        [Parameter(Mandatory)] [string] $Root
    )
    $ErrorActionPreference = 'Stop'
    try {
        if (Test-Path -LiteralPath $ModuleFolder) { Remove-Item -LiteralPath $ModuleFolder -Recurse -Force }
        $null = New-Item -ItemType Directory -Path $ModuleFolder
        Copy-ModuleAssembly -Publish $Publish -ModuleFolder $ModuleFolder
        $files = 'OneMinBg.psd1', 'src/OneMinBg/OneMinBg.Format.ps1xml', 'src/OneMinBg/OneMinBg.Types.ps1xml', 'LICENSE' |
            ForEach-Object { Join-Path $Root $_ }
        Copy-Item -LiteralPath $files -Destination $ModuleFolder
        $manifest = Join-Path $ModuleFolder 'OneMinBg.psd1'
        Update-ModuleReleaseNotes -Manifest $manifest -Changelog (Join-Path $Root 'CHANGELOG.md')
    }
    catch {
        Remove-Item -LiteralPath $ModuleFolder -Recurse -Force -ErrorAction SilentlyContinue
        throw
    }
}

function Copy-ModuleAssembly {
    # The one place that decides which published assemblies the module ships, and where.
    param([Parameter(Mandatory)] [string] $Publish, [Parameter(Mandatory)] [string] $ModuleFolder)
    # The module's own DLLs beside the manifest, the rest in dependencies/ (tools/Dependencies.ps1); then
    # the build stops unless every shipped reference can be met on Windows PowerShell 5.1.
    Copy-ModuleDependency -Publish $Publish -Destination $ModuleFolder
    Assert-ModuleReferenceClosure -ModuleFolder $ModuleFolder
}
