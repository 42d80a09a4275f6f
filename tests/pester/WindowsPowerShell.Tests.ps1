# Issue 11: the module as Windows PowerShell 5.1 and scheduled tasks meet it. What can run here runs on pwsh;
# the .NET Framework side runs on Mono (tools/Dependencies.ps1, Invoke-MonoTest).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Debug output in a scheduled task' {
    BeforeEach { Reset-OneMinEmulator $Emu; $null = Use-FreshJournal }

    It 'writes every debug line under -NonInteractive with $DebugPreference = ''Continue'' and exits 0' {
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        New-TestImage -Path $dir -Count 2
        # What the help tells a task to do instead of -Debug, in the child pwsh a scheduler would start.
        $out = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
`$DebugPreference = 'Continue'
Import-Module '$ModulePath'
`$results = Get-ChildItem -LiteralPath '$dir' -File | Invoke-BackgroundReplace -Prompt 'white studio backdrop' 5>&1
`$results | ForEach-Object { if (`$_ -is [System.Management.Automation.DebugRecord]) { 'DEBUG: ' + `$_.Message } }
'replaced: ' + @(`$results | Where-Object { `$_ -is [OneMinBg.BgResult] }).Count
exit 0
"@
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $out | Should -Contain 'replaced: 2'
        @($out | Where-Object { "$_" -like 'DEBUG: *' }).Count | Should -BeGreaterThan 0
        $out | Should -Not -Match 'NonInteractive'
        $out | Should -Not -Match ([regex]::Escape($Emu.ApiKey))
    }
}

Describe 'The module folder on PowerShell 7' {
    It 'keeps the dependencies in dependencies/ and the module''s own DLLs beside the manifest' {
        Join-Path $ModulePath 'OneMinBg.dll' | Should -Exist
        Join-Path $ModulePath 'OneMinBg.Client.dll' | Should -Exist
        Join-Path $ModulePath 'dependencies/System.Text.Json.dll' | Should -Exist
        @(Get-ChildItem -LiteralPath $ModulePath -Filter *.dll).Name | Sort-Object |
            Should -Be @('OneMinBg.Client.dll', 'OneMinBg.dll')
    }

    It 'imports twice with -Force, works, and uses the host''s libraries, none from dependencies/' {
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        New-TestImage -Path $dir -Count 1
        $out = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath' -Force
Import-Module '$ModulePath' -Force
'replaced: ' + @(Get-ChildItem -LiteralPath '$dir' -File | Invoke-BackgroundReplace -Prompt 'x').Count
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.Location -like '*dependencies*' } |
    ForEach-Object { 'loaded: ' + `$_.Location }
"@
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $out | Should -Contain 'replaced: 1'
        @($out | Where-Object { "$_" -like 'loaded: *' }) | Should -BeNullOrEmpty
    }
}
