# Help as a user sees it: Get-Help in a fresh pwsh on the built module. The cmdlets and parameters
# come from Get-Command at discovery, so a new cmdlet or parameter is checked without editing this file.
BeforeDiscovery {
    $repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $repo 'tools/Emulator.psm1') -Force
    $modulePath = Join-Path $repo 'out/OneMinBg'

    # One fresh pwsh reads the cmdlets, a fresh instance of each (for the defaults the code sets) and
    # Get-Help's view of them, and hands it all over as JSON.
    $collect = {
        param($ModulePath)
        $ErrorActionPreference = 'Stop'
        $module = Import-Module $ModulePath -PassThru
        $common = [System.Management.Automation.Cmdlet]::CommonParameters
        $commands = foreach ($cmd in $module.ExportedCmdlets.Values | Sort-Object Name) {
            $help = Get-Help $cmd.Name -Full
            $instance = [Activator]::CreateInstance($cmd.ImplementingType)
            $parameters = foreach ($p in $cmd.Parameters.Values | Where-Object Name -NotIn $common) {
                $doc = @($help.parameters.parameter | Where-Object name -EQ $p.Name)[0]
                $value = $instance.($p.Name)
                # Only a default the code sets counts: not null, empty, off, or a value type's zero (which for
                # Set-OneMinBgConfig means 'not given, keep the saved value').
                $unset = $null -eq $value -or $value -is [switch] -or ($value -is [array] -and $value.Count -eq 0) -or "$value" -eq '' -or
                    ($value -is [ValueType] -and $value -eq [Activator]::CreateInstance($value.GetType()))
                $codeDefault = if ($unset) { $null } else { "$value" }
                # The sets a user sees the parameter in: those where it is not hidden with DontShow.
                $hidden = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow } | ForEach-Object ParameterSetName)
                $sets = @($p.ParameterSets.GetEnumerator() | Where-Object Key -NotIn $hidden | ForEach-Object Value)
                if (-not $sets) { $sets = @($p.ParameterSets.Values) }
                $type = $p.ParameterType
                $inner = [Nullable]::GetUnderlyingType($type)
                [ordered]@{
                    Command        = $cmd.Name
                    Parameter      = $p.Name
                    Type           = if ($inner) { $inner.Name } else { $type.Name }
                    Required       = (@($sets | Where-Object { -not $_.IsMandatory }).Count -eq 0).ToString().ToLowerInvariant()
                    Position       = @(@($sets | Where-Object Position -GE 0 | ForEach-Object { "$($_.Position)" }) + 'named')[0]
                    ByValue        = [bool]($sets | Where-Object ValueFromPipeline)
                    ByPropertyName = [bool]($sets | Where-Object ValueFromPipelineByPropertyName)
                    Aliases        = if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }
                    Wildcards      = ([bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })).ToString().ToLowerInvariant()
                    CodeDefault    = $codeDefault
                    Documented     = $null -ne $doc
                    Description    = if ($doc) { (@($doc.description | ForEach-Object Text) -join "`n").Trim() } else { '' }
                    HelpDefault    = if ($doc) { "$($doc.defaultValue)" } else { '' }
                    HelpType       = if ($doc) { "$($doc.type.name)" } else { '' }
                    HelpRequired   = if ($doc) { "$($doc.required)" } else { '' }
                    HelpPosition   = if ($doc) { "$($doc.position)" } else { '' }
                    HelpPipeline   = if ($doc) { "$($doc.pipelineInput)" } else { '' }
                    HelpAliases    = if ($doc) { "$($doc.aliases)" } else { '' }
                    HelpWildcards  = if ($doc) { "$($doc.globbing)" } else { '' }
                }
            }
            [ordered]@{
                Name         = $cmd.Name
                FullText     = $help | Out-String -Width 4000
                Synopsis     = "$($help.Synopsis)".Trim()
                Description  = (@($help.description | ForEach-Object Text) -join "`n").Trim()
                Inputs       = @($help.inputTypes.inputType | ForEach-Object { "$($_.type.name)".Trim() } | Where-Object { $_ })
                Outputs      = @($help.returnValues.returnValue | ForEach-Object { "$($_.type.name)".Trim() } | Where-Object { $_ })
                OutputTypes  = @($cmd.OutputType | ForEach-Object Name)
                TakesPipeline = [bool]($cmd.Parameters.Values | ForEach-Object { $_.ParameterSets.Values } | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName })
                Examples     = @($help.examples.example | ForEach-Object { [ordered]@{ Title = "$($_.title)"; Code = "$($_.code)"; Remarks = (@($_.remarks | ForEach-Object Text) -join ' ').Trim() } })
                SyntaxCount  = @($help.syntax.syntaxItem).Count
                SetCount     = @($cmd.ParameterSets).Count
                Parameters   = @($parameters)
            }
        }
        'HELP-DATA:' + (ConvertTo-Json -InputObject @($commands) -Depth 6 -Compress)
    }
    $pwsh = Get-PwshCommand
    $out = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "& { $collect } '$modulePath'" 2>&1 | ForEach-Object { "$_" }
    $line = @($out) -match '^HELP-DATA:' | Select-Object -First 1
    if (-not $line) { throw "Could not read the help of the built module in a fresh pwsh: $($out -join "`n")" }
    $script:Commands = @($line.Substring('HELP-DATA:'.Length) | ConvertFrom-Json -AsHashtable)
    $script:AllParameters = @($Commands | ForEach-Object { $_.Parameters })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Get-Help <Name> -Full' -ForEach $Commands {
    It '<Name> shows a written synopsis and description, not the generated syntax-only help' {
        $Synopsis | Should -Not -BeNullOrEmpty
        $Synopsis | Should -Not -Match "^$Name\s*\["
        $Synopsis.Length | Should -BeGreaterThan 20
        $Description.Length | Should -BeGreaterThan 100
        $FullText | Should -Match '(?m)^SYNOPSIS\s*$'
        $FullText | Should -Match ([regex]::Escape($Synopsis))
        $FullText | Should -Match '(?m)^DESCRIPTION\s*$'
    }

    It '<Name> shows every parameter in the PARAMETERS section with its default value' {
        $section = [regex]::Match($FullText, '(?ms)^PARAMETERS\s*$(.*?)^INPUTS\s*$').Groups[1].Value
        $listed = @([regex]::Matches($section, '(?m)^    -(\w+) [<\[]') | ForEach-Object { $_.Groups[1].Value })
        ($listed | Sort-Object) | Should -Be (@($Parameters.Parameter) | Sort-Object) -Because 'every parameter, and nothing else, is listed'
        foreach ($p in $Parameters) {
            $shown = [regex]::Match($section, "(?ms)^    -$($p.Parameter) [<\[].*?^\s+Default value\s+(.*?)\s*$").Groups[1].Value
            $shown | Should -Not -BeNullOrEmpty -Because "-$($p.Parameter) must show a default value"
            $shown | Should -Be $p.HelpDefault
        }
    }

    It '<Name> documents its outputs as the types it declares with [OutputType]' {
        $Outputs | Should -Not -BeNullOrEmpty
        foreach ($type in $OutputTypes) { $Outputs | Should -Contain $type }
        $FullText | Should -Match '(?m)^OUTPUTS\s*$'
    }

    It '<Name> documents its inputs' {
        $Inputs | Should -Not -BeNullOrEmpty
        if ($TakesPipeline) { $Inputs | Should -Not -Contain 'None' -Because 'the cmdlet takes pipeline input' }
        $FullText | Should -Match '(?m)^INPUTS\s*$'
    }

    It '<Name> has at least three examples, each with code that uses the cmdlet and an explanation' {
        $Examples.Count | Should -BeGreaterOrEqual 3
        foreach ($example in $Examples) {
            $example.Title | Should -Match 'Example \d+: \w'
            $example.Code | Should -Not -BeNullOrEmpty
            $example.Remarks.Length | Should -BeGreaterThan 40 -Because "'$($example.Title)' needs an explanation"
        }
        ($Examples.Code -join "`n") | Should -Match ([regex]::Escape($Name))
    }

    It '<Name> shows one syntax per parameter set' {
        $SyntaxCount | Should -Be $SetCount
    }
}

Describe 'Every parameter is documented' {
    It '<Command> -<Parameter> has a description' -TestCases $AllParameters {
        $Documented | Should -BeTrue -Because "Get-Help $Command -Parameter $Parameter must find it"
        $Description.Length | Should -BeGreaterThan 15
    }

    It '<Command> -<Parameter> shows its default value, matching the code''s' -TestCases $AllParameters {
        $HelpDefault | Should -Not -BeNullOrEmpty
        if ($CodeDefault) { $HelpDefault | Should -BeLike "*$CodeDefault*" }
    }

    It '<Command> -<Parameter> shows the type, position, pipeline input, aliases and wildcards the cmdlet has' -TestCases $AllParameters {
        $pipeline = if ($ByValue -and $ByPropertyName) { 'True (ByValue, ByPropertyName)' } elseif ($ByValue) { 'True (ByValue)' } elseif ($ByPropertyName) { 'True (ByPropertyName)' } else { 'False' }
        $HelpType | Should -Be $Type
        $HelpRequired | Should -Be $Required
        $HelpPosition | Should -Be $Position
        $HelpPipeline | Should -Be $pipeline
        $HelpAliases | Should -Be $Aliases
        $HelpWildcards | Should -Be $Wildcards
    }
}

Describe 'about_OneMinBg' {
    It 'Get-Help about_OneMinBg shows the topic in a fresh pwsh' {
        $text = Invoke-FreshPwsh "Import-Module '$ModulePath'; Get-Help about_OneMinBg | Out-String -Width 200"
        $LASTEXITCODE | Should -Be 0
        $text = $text -join "`n"
        $text | Should -Match '(?m)^TOPIC\s*\n\s+about_OneMinBg'
        foreach ($section in 'SHORT DESCRIPTION', 'LONG DESCRIPTION', 'THE JOURNAL AND RE-RUNS', 'RATE LIMIT, RETRIES AND UNKNOWN OUTCOMES', 'ERRORS', 'CONFIGURATION', 'SCHEDULED TASKS', 'THE EMULATOR') {
            $text | Should -Match "(?m)^$([regex]::Escape($section))\s*$"
        }
        $text | Should -Match 'Register-ScheduledTask'
        $text | Should -Match 'OnCalendar='
    }
}

Describe 'The help file' {
    It 'is well-formed MAML with one command per exported cmdlet, next to OneMinBg.dll in en-US' {
        $path = Join-Path $ModulePath 'en-US/OneMinBg.dll-Help.xml'
        $xml = [xml]::new()
        $xml.Load($path)
        $xml.DocumentElement.LocalName | Should -Be 'helpItems'
        $xml.DocumentElement.GetAttribute('schema') | Should -Be 'maml'
        $ns = [System.Xml.XmlNamespaceManager]::new($xml.NameTable)
        $ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
        $names = @($xml.SelectNodes('//command:command/command:details/command:name', $ns) | ForEach-Object InnerText)
        $exported = (Import-PowerShellDataFile (Join-Path $ModulePath 'OneMinBg.psd1')).CmdletsToExport
        ($names | Sort-Object) | Should -Be ($exported | Sort-Object)
    }
}

Describe 'The build checks the docs' {
    BeforeAll {
        # The build's help step, on copies of the built module and of the docs so the real ones stay
        # untouched. It reads the module's cmdlets in a fresh pwsh of its own.
        . (Join-Path $RepoRoot 'tools/Help.ps1')
        $script:Work = Join-Path $TestDrive 'helpbuild'
        $null = New-Item -ItemType Directory -Path $Work
        Copy-Item -LiteralPath $ModulePath -Destination (Join-Path $Work 'OneMinBg') -Recurse
        $script:Docs = Join-Path $Work 'en-US'
        Copy-Item -LiteralPath (Join-Path $RepoRoot 'docs/en-US') -Destination $Docs -Recurse
        $script:HelpBuild = { Build-ModuleHelp -ModuleFolder (Join-Path $Work 'OneMinBg') -DocsFolder $Docs 3>$null 6>$null }
    }

    It 'fails, naming the parameter and what to add, when a parameter has no section' {
        $page = Join-Path $Docs 'Save-BgImage.md'
        $original = Get-Content -LiteralPath $page -Raw
        try {
            Set-Content -LiteralPath $page -Value ($original -replace '(?s)### -Force\r?\n.*?(?=### )', '') -NoNewline
            $HelpBuild | Should -Throw -ExpectedMessage "*Save-BgImage.md: parameter -Force is not documented: add '### -Force' under '## PARAMETERS'*"
        }
        finally { Set-Content -LiteralPath $page -Value $original -NoNewline }
    }

    It 'fails, naming the file to add, when a cmdlet has no page' {
        $page = Join-Path $Docs 'Get-BgResult.md'
        Move-Item -LiteralPath $page -Destination "$page.off"
        try {
            $HelpBuild | Should -Throw -ExpectedMessage "*Get-BgResult has no help page: add *Get-BgResult.md*"
        }
        finally { Move-Item -LiteralPath "$page.off" -Destination $page }
    }

    It 'succeeds on the docs as they are, writing the help file and the about topic' {
        $HelpBuild | Should -Not -Throw
        Join-Path $Work 'OneMinBg/en-US/OneMinBg.dll-Help.xml' | Should -Exist
        Join-Path $Work 'OneMinBg/en-US/about_OneMinBg.help.txt' | Should -Exist
    }
}
