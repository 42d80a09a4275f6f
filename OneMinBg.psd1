@{
    RootModule             = 'OneMinBg.dll'
    ModuleVersion          = '0.4.0'
    GUID                   = 'b2ed44bf-afa6-4191-bf9c-8f7300a91e05'
    Author                 = 'OneMinBg contributors'
    CompanyName            = 'OneMinBg'
    Copyright              = '(c) OneMinBg contributors. MIT License.'
    Description            = 'Replace image backgrounds in bulk with 1min.ai''s Background Replacer (gpt-image-1-mini): pipeline-friendly cmdlets that upload, replace and save.'
    PowerShellVersion      = '5.1'
    CompatiblePSEditions   = @('Core', 'Desktop')
    DotNetFrameworkVersion = '4.7.2'
    TypesToProcess         = @('OneMinBg.Types.ps1xml')
    FormatsToProcess       = @('OneMinBg.Format.ps1xml')
    CmdletsToExport        = @('Invoke-BackgroundReplace', 'Get-BgResult', 'Save-BgImage', 'Export-BgReport', 'Set-OneMinBgConfig', 'Get-OneMinBgConfig', 'Test-OneMinBgConnection')
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags       = @('1min.ai', 'background', 'image', 'AI', 'batch', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            ProjectUri = 'https://github.com/oneminbg/OneMinBg'
            LicenseUri = 'https://github.com/oneminbg/OneMinBg/blob/main/LICENSE'
        }
    }
}
