# The module as PowerShell sees it: import, manifest, output types, default views, tab completion.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'The module and its manifest out/OneMinBg/OneMinBg.psd1' {
    BeforeAll {
        $script:BuiltManifestPath = Join-Path $ModulePath 'OneMinBg.psd1'
        $script:Manifest = Import-PowerShellDataFile $BuiltManifestPath
        $script:Version = (Import-PowerShellDataFile (Join-Path $RepoRoot 'OneMinBg.psd1')).ModuleVersion
    }

    It 'passes Test-ModuleManifest' {
        $tested = Invoke-FreshPwsh @"
`$m = Test-ModuleManifest -Path '$BuiltManifestPath' -ErrorAction Stop
@{ Name = `$m.Name; Version = `$m.Version.ToString(); Cmdlets = @(`$m.ExportedCmdlets.Keys | Sort-Object) } | ConvertTo-Json -Compress
"@
        $LASTEXITCODE | Should -Be 0 -Because ($tested -join "`n")
        $result = ($tested | Select-Object -Last 1) | ConvertFrom-Json
        $result.Name | Should -Be 'OneMinBg'
        $result.Version | Should -Be $Version
        $result.Cmdlets | Should -Be @($Manifest.CmdletsToExport | Sort-Object)
    }

    It 'has a Description, Tags, and a ProjectUri and LicenseUri of one project' {
        $Manifest.Description | Should -Not -BeNullOrEmpty
        $psData = $Manifest.PrivateData.PSData
        $psData.Tags | Should -Contain 'PSEdition_Core'
        $psData.Tags | Should -Contain 'PSEdition_Desktop'
        $psData.Tags | Where-Object { $_ -match '\s' } | Should -BeNullOrEmpty -Because 'a tag with a space breaks the nuspec''s space-separated tags'
        ([uri]$psData.ProjectUri).Scheme | Should -Be 'https'
        $psData.LicenseUri | Should -BeLike "$($psData.ProjectUri)/*/LICENSE"
        Get-Content -LiteralPath (Join-Path $RepoRoot 'LICENSE') -TotalCount 1 | Should -Be 'MIT License'
    }

    It 'exports no wildcards: functions, aliases and variables are empty lists' {
        $Manifest.CmdletsToExport | Should -Not -BeNullOrEmpty
        $Manifest.CmdletsToExport | Where-Object { $_ -match '[*?\[]' } | Should -BeNullOrEmpty
        foreach ($key in 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
            $Manifest.ContainsKey($key) | Should -BeTrue -Because "$key must be stated, or PowerShell exports everything"
            , $Manifest[$key] | Should -BeOfType ([object[]])
            $Manifest[$key] | Should -HaveCount 0 -Because "$key must be empty"
        }
    }

    It 'imports in a fresh pwsh -NoProfile and exports exactly the cmdlets OneMinBg.dll defines and CmdletsToExport lists' {
        $dll = Invoke-FreshPwsh "(Import-Module '$(Join-Path $ModulePath 'OneMinBg.dll')' -PassThru).ExportedCmdlets.Keys | Sort-Object"
        $LASTEXITCODE | Should -Be 0
        $exported = Invoke-FreshPwsh "Import-Module '$ModulePath'; (Get-Command -Module OneMinBg).Name | Sort-Object"
        $LASTEXITCODE | Should -Be 0
        $declared = @($Manifest.CmdletsToExport | Sort-Object)
        $declared | Should -Be @('Export-BgReport', 'Get-BgResult', 'Get-OneMinBgConfig', 'Invoke-BackgroundReplace', 'Save-BgImage',
            'Set-OneMinBgConfig', 'Test-OneMinBgConnection')
        @($dll) | Should -Be $declared
        @($exported) | Should -Be $declared
    }

    It 'imports twice with -Force in one process' {
        $out = Invoke-FreshPwsh "Import-Module '$ModulePath'; Import-Module '$ModulePath' -Force; (Get-Module OneMinBg).Version.ToString()"
        $LASTEXITCODE | Should -Be 0
        ($out | Select-Object -Last 1) | Should -Be (Import-PowerShellDataFile (Join-Path $RepoRoot 'OneMinBg.psd1')).ModuleVersion
    }

    It 'declares its output types' {
        (Get-Command Invoke-BackgroundReplace).OutputType.Name | Should -Be 'OneMinBg.BgResult'
        (Get-Command Get-BgResult).OutputType.Name | Should -Be 'OneMinBg.BgResult', 'OneMinBg.BgAttempt'
        (Get-Command Save-BgImage).OutputType.Name | Should -Be 'System.IO.FileInfo'
    }
}

Describe 'Output types, views and completion' {
    BeforeEach { Reset-OneMinEmulator $Emu; $null = Use-FreshJournal }

    It 'results survive Export-Csv and ConvertTo-Json' {
        $Dir = New-Sources 2
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x'
        $csv = Join-Path $Dir 'results.csv'
        $results | Export-Csv -LiteralPath $csv -NoTypeInformation
        $rows = Import-Csv -LiteralPath $csv
        $rows | Should -HaveCount 2
        ($rows.Id | Sort-Object) | Should -Be ($results.Id | Sort-Object)
        $rows[0].PSObject.Properties.Name | Should -Contain 'TemporaryUrl'
        $json = $results | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        ($json.Id | Sort-Object) | Should -Be ($results.Id | Sort-Object)
        $json[0].ResultKeys | Should -HaveCount 1
    }

    It 'shows the columns a person wants in the default table' {
        $r = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'x'
        $table = $r | Format-Table | Out-String -Width 250
        $table | Should -Match 'Status\s+Source\s+Size\s+Id\s+Saved'
        $table | Should -Match 'image1\.png'
        ($r | Format-List | Out-String) | Should -Match 'ResultKeys'
    }

    It 'completes -Id from the journal and -Prompt from recent prompts' {
        $r = Get-ChildItem -LiteralPath (New-Sources 1) -File | Invoke-BackgroundReplace -Prompt 'sunset over the harbour'
        $ids = (TabExpansion2 -inputScript 'Get-BgResult -Id ' -cursorColumn 'Get-BgResult -Id '.Length).CompletionMatches.ListItemText
        $ids | Should -Contain $r.Id
        $prompts = (TabExpansion2 -inputScript 'Invoke-BackgroundReplace -Prompt sun' -cursorColumn 'Invoke-BackgroundReplace -Prompt sun'.Length).CompletionMatches.ListItemText
        $prompts | Should -Contain 'sunset over the harbour'
    }
}
