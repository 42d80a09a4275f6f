# The build's own guarantees (tools/OneMinBg.build.ps1, tools/Module.ps1): the module folder is made from
# scratch, so no file of an earlier build survives in it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $RepoRoot 'tools/Package.ps1')
    . (Join-Path $RepoRoot 'tools/Module.ps1')
    . (Join-Path $RepoRoot 'tools/Dependencies.ps1')
    $script:Root = $RepoRoot   # the closure check finds .NET Framework's reference assemblies from here
}

Describe 'Assembling the module folder' {
    It 'leaves exactly the published assemblies and the module''s files, whatever an earlier build left' {
        $publish = Join-Path $TestDrive 'publish'
        $null = New-Item -ItemType Directory -Path $publish
        Get-ChildItem -LiteralPath $ModulePath -Recurse -Filter *.dll | Copy-Item -Destination $publish
        $folder = Join-Path $TestDrive 'OneMinBg'
        $null = New-Item -ItemType Directory -Path (Join-Path $folder 'en-US')
        Set-Content -LiteralPath (Join-Path $folder 'Removed.Dependency.dll') -Value 'stale'
        Set-Content -LiteralPath (Join-Path $folder 'en-US/OneMinBg.dll-Help.xml') -Value 'stale'

        Build-ModuleFolder -Publish $publish -ModuleFolder $folder -Root $RepoRoot

        $expected = @((Get-ChildItem -LiteralPath $publish -Filter *.dll).Name) +
            'dependencies', 'LICENSE', 'OneMinBg.Format.ps1xml', 'OneMinBg.psd1', 'OneMinBg.Types.ps1xml'
        (Get-ChildItem -LiteralPath $folder -Recurse -Force).Name | Sort-Object | Should -Be ($expected | Sort-Object)
    }

    It 'removes the folder when a step fails, so the next build makes it again' {
        $folder = Join-Path $TestDrive 'broken'
        $publish = Join-Path $TestDrive 'no-such-publish'
        { Build-ModuleFolder -Publish $publish -ModuleFolder $folder -Root $RepoRoot } | Should -Throw
        Test-Path -LiteralPath $folder | Should -BeFalse
    }
}
