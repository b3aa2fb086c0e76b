# bash completion for aimap: commands, their options, and the values the
# options take (taxonomy ids, sort fields, formats, project ids), asked
# of aimap itself (`aimap _complete WHAT [COMMAND]`), so that they follow
# the installed version and its data.
# Installed as PREFIX/share/bash-completion/completions/aimap.

_aimap()
{
	local cur prev cmd db="" i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	# The command is the first word after the global options.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--db) db=${COMP_WORDS[i+1]}; ((i++)) ;;
		--db=*) db=${COMP_WORDS[i]#--db=} ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	local -a dbopt=()
	[ -n "$db" ] && dbopt=(--db "$db")

	if [ -z "$cmd" ]; then
		case $prev in
		--db) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--db --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(aimap _complete commands 2>/dev/null)" -- "$cur"))
		fi
		return
	fi

	local what=""
	case $prev in
	--layer) what=layers ;;
	--category) what=categories ;;
	--stage) what=stages ;;
	--sort) what=sorts ;;
	--status) what=statuses ;;
	--columns)
		# A comma-separated list: complete its last word.
		local pre=""
		[[ $cur == *,* ]] && pre=${cur%,*},
		COMPREPLY=($(compgen -P "$pre" -W "$(aimap _complete sorts 2>/dev/null) mcap all none" -- "${cur##*,}"))
		return ;;
	--format)
		COMPREPLY=($(compgen -W "$(aimap _complete formats "$cmd" 2>/dev/null)" -- "$cur"))
		return ;;
	-o|--output|--db)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--project) what=projects ;;
	esac
	if [ -n "$what" ]; then
		COMPREPLY=($(compgen -W "$(aimap "${dbopt[@]}" _complete "$what" 2>/dev/null)" -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(aimap _complete options "$cmd" 2>/dev/null)" -- "$cur"))
		return
	fi
	case $cmd in
	show) COMPREPLY=($(compgen -W "$(aimap "${dbopt[@]}" _complete projects 2>/dev/null)" -- "$cur")) ;;
	help) COMPREPLY=($(compgen -W "$(aimap _complete commands 2>/dev/null)" -- "$cur")) ;;
	export) COMPREPLY=($(compgen -W "csv" -- "$cur")) ;;
	import|classify) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}
complete -o default -F _aimap aimap
