/* keys.c: the key table, key names, and the help screen made from them.
 *
 * Every key the dashboard knows is a line of model_bindings: the contexts
 * where it applies, the keys, the action and its argument, and the text
 * the help shows. model_key() looks keys up here and the `?` screen
 * (view_help.c) lists this table, so the two cannot disagree. */
#include "tui/model_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/utf8.h"

#define V MODEL_CTX_VIEWS
#define P MODEL_CTX_PROJECTS
#define D MODEL_CTX_DETAIL
#define M MODEL_CTX_MAP
#define T MODEL_CTX_STATS
#define H MODEL_CTX_HELP
#define SRCH MODEL_CTX_SEARCH
#define PICK MODEL_CTX_PICKER
#define PROMPT MODEL_CTX_PROMPT
#define I MODEL_CTX_INBOX

const struct model_binding model_bindings[] = {
	/* Everywhere. */
	{V, {'q'}, MODEL_ACT_QUIT, 0, "quit"},
	{V, {'1'}, MODEL_ACT_VIEW, MODEL_VIEW_PROJECTS, "Projects: the table"},
	{V, {'2'}, MODEL_ACT_VIEW, MODEL_VIEW_MAP,
	 "Map: pipeline stages x layers"},
	{V, {'3'}, MODEL_ACT_VIEW, MODEL_VIEW_STATS,
	 "Stats: charts per category"},
	{V, {'4'}, MODEL_ACT_VIEW, MODEL_VIEW_INBOX, "Inbox: candidates"},
	{V, {MODEL_KEY_TAB}, MODEL_ACT_VIEW_NEXT, 1, "next view"},
	{V, {MODEL_KEY_BTAB}, MODEL_ACT_VIEW_NEXT, -1, "previous view"},
	{V, {'?'}, MODEL_ACT_HELP, 0, "this help"},
	{V, {'e'}, MODEL_ACT_EXPORT, 0, "export the rows shown to CSV"},
	{V, {'r'}, MODEL_ACT_RECLASSIFY, 0, "re-run the classifier"},
	{V, {'F'}, MODEL_ACT_FETCH, 0, "fetch figures in the background"},
	{P | D, {'o'}, MODEL_ACT_WEBSITE, 0, "open the project's website"},
	{V | H, {MODEL_CTRL('l')}, MODEL_ACT_REPAINT, 0, "redraw the screen"},

	/* Pages: every view but the map alike. */
	{P | D | T | H | I, {MODEL_KEY_PGDN, ' ', MODEL_CTRL('f')},
	 MODEL_ACT_PAGE, 1, "page down"},
	{P | D | T | H | I, {MODEL_KEY_PGUP, MODEL_CTRL('b')}, MODEL_ACT_PAGE,
	 -1, "page up"},
	{P | D | T | H | I, {'g', MODEL_KEY_HOME}, MODEL_ACT_HOME, 0, "top"},
	{P | D | T | H | I, {'G', MODEL_KEY_END}, MODEL_ACT_END, 0, "bottom"},

	/* Projects. */
	{P, {'j', MODEL_KEY_DOWN}, MODEL_ACT_MOVE, 1, "next row"},
	{P, {'k', MODEL_KEY_UP}, MODEL_ACT_MOVE, -1, "previous row"},
	{P, {MODEL_KEY_ENTER, 'l', MODEL_KEY_RIGHT}, MODEL_ACT_OPEN, 0,
	 "open the project's detail"},
	{P, {'/'}, MODEL_ACT_SEARCH, 0, "search names, ids, descriptions"},
	{P, {'n'}, MODEL_ACT_MATCH, 1, "next match, wrapping around"},
	{P, {'N'}, MODEL_ACT_MATCH, -1, "previous match, wrapping around"},
	{P, {'s'}, MODEL_ACT_SORT, 1, "sort by the next column"},
	{P, {'S'}, MODEL_ACT_REVERSE, 0, "reverse the sort"},
	{P, {'f'}, MODEL_ACT_FILTER, 0, "filter by layer, category, stage"},
	{P, {MODEL_KEY_ESC}, MODEL_ACT_CLEAR, 1, "clear the search"},
	{P, {'c'}, MODEL_ACT_CLEAR, 0, "clear the search and the filter"},

	/* Detail. */
	{D, {'j', MODEL_KEY_DOWN}, MODEL_ACT_MOVE, 1, "scroll down"},
	{D, {'k', MODEL_KEY_UP}, MODEL_ACT_MOVE, -1, "scroll up"},
	{D, {MODEL_KEY_ESC, 'h', MODEL_KEY_LEFT, MODEL_KEY_BACKSPACE},
	 MODEL_ACT_BACK, 0, "back to the list"},
	{D, {'n'}, MODEL_ACT_MATCH, 1, "next project of the list"},
	{D, {'N'}, MODEL_ACT_MATCH, -1, "previous project of the list"},

	/* Map. */
	{M, {'j', MODEL_KEY_DOWN}, MODEL_ACT_MOVE, 1, "stage below"},
	{M, {'k', MODEL_KEY_UP}, MODEL_ACT_MOVE, -1, "stage above"},
	{M, {'l', MODEL_KEY_RIGHT}, MODEL_ACT_MOVE_X, 1, "next layer"},
	{M, {'h', MODEL_KEY_LEFT}, MODEL_ACT_MOVE_X, -1, "previous layer"},
	{M, {MODEL_KEY_PGDN}, MODEL_ACT_PAGE, 1, "page down"},
	{M, {MODEL_KEY_PGUP}, MODEL_ACT_PAGE, -1, "page up"},
	{M, {'g', MODEL_KEY_HOME}, MODEL_ACT_HOME, 0, "first stage"},
	{M, {'G', MODEL_KEY_END}, MODEL_ACT_END, 0, "last stage"},
	{M, {MODEL_KEY_ENTER}, MODEL_ACT_OPEN, 0, "filter the list to the cell"},

	/* Stats, the help, and the Inbox's rows. */
	{T | H | I, {'j', MODEL_KEY_DOWN}, MODEL_ACT_MOVE, 1, "scroll down"},
	{T | H | I, {'k', MODEL_KEY_UP}, MODEL_ACT_MOVE, -1, "scroll up"},
	{H, {MODEL_KEY_ESC, 'q', '?'}, MODEL_ACT_BACK, 0, "close the help"},

	/* Inbox (its moves are the Stats' above). One line for its four
	 * keys, which the view tells apart (m->key): the help has room for
	 * no more. */
	{I, {'a', 'x', 's', 'c'}, MODEL_ACT_DECIDE, 0,
	 "accept, reject, snooze; c: other category"},

	/* The search line. */
	{SRCH, {MODEL_KEY_ENTER}, MODEL_ACT_INPUT_DONE, 0, "keep the search"},
	{SRCH, {MODEL_KEY_ESC}, MODEL_ACT_INPUT_CANCEL, 0, "clear the search"},
	{SRCH | PROMPT, {MODEL_KEY_BACKSPACE}, MODEL_ACT_INPUT_ERASE, 0,
	 "delete the last character"},
	{SRCH | PROMPT, {MODEL_CTRL('u')}, MODEL_ACT_INPUT_KILL, 0,
	 "delete everything typed"},
	{SRCH, {MODEL_KEY_DOWN, MODEL_CTRL('n')}, MODEL_ACT_MOVE, 1,
	 "next row"},
	{SRCH, {MODEL_KEY_UP, MODEL_CTRL('p')}, MODEL_ACT_MOVE, -1,
	 "previous row"},

	/* The filter picker. */
	{PICK, {'j', MODEL_KEY_DOWN}, MODEL_ACT_MOVE, 1, "next item"},
	{PICK, {'k', MODEL_KEY_UP}, MODEL_ACT_MOVE, -1, "previous item"},
	{PICK, {'g', MODEL_KEY_HOME}, MODEL_ACT_HOME, 0, "first item"},
	{PICK, {'G', MODEL_KEY_END}, MODEL_ACT_END, 0, "last item"},
	{PICK, {MODEL_KEY_TAB}, MODEL_ACT_PICK_SECTION, 1, "next section"},
	{PICK, {MODEL_KEY_BTAB}, MODEL_ACT_PICK_SECTION, -1,
	 "previous section"},
	{PICK, {MODEL_KEY_ENTER, ' '}, MODEL_ACT_PICK, 0,
	 "choose (\"any\" lifts that filter)"},
	{PICK, {'c'}, MODEL_ACT_CLEAR, 0, "clear every filter"},
	{PICK, {MODEL_KEY_ESC, 'f', 'q'}, MODEL_ACT_CLOSE, 0, "close"},

	/* The export prompt. */
	{PROMPT, {MODEL_KEY_ENTER}, MODEL_ACT_INPUT_DONE, 0,
	 "write the file"},
	{PROMPT, {MODEL_KEY_ESC}, MODEL_ACT_INPUT_CANCEL, 0, "cancel"},
	{0, {0}, 0, 0, NULL},
};

const struct model_binding *
model_binding_find(unsigned ctx, int key)
{
	for (const struct model_binding *b = model_bindings; b->ctx; b++) {
		if (!(b->ctx & ctx))
			continue;
		for (int i = 0; i < 4 && b->keys[i]; i++)
			if (b->keys[i] == key)
				return b;
	}
	return NULL;
}

static const struct {
	int key;
	const char *name;
} special[] = {
	{MODEL_KEY_UP, "Up"}, {MODEL_KEY_DOWN, "Down"},
	{MODEL_KEY_LEFT, "Left"}, {MODEL_KEY_RIGHT, "Right"},
	{MODEL_KEY_PGUP, "PgUp"}, {MODEL_KEY_PGDN, "PgDn"},
	{MODEL_KEY_HOME, "Home"}, {MODEL_KEY_END, "End"},
	{MODEL_KEY_ENTER, "Enter"}, {MODEL_KEY_ESC, "Esc"},
	{MODEL_KEY_BACKSPACE, "Backspace"}, {MODEL_KEY_TAB, "Tab"},
	{MODEL_KEY_BTAB, "Shift-Tab"}, {MODEL_KEY_DELETE, "Delete"},
	{' ', "Space"},
};

char *
model_key_name(int key, char *out, size_t len)
{
	for (size_t i = 0; i < sizeof special / sizeof *special; i++)
		if (special[i].key == key) {
			snprintf(out, len, "%s", special[i].name);
			return out;
		}
	if (key > 0 && key < 0x20) {
		snprintf(out, len, "Ctrl-%c", 'A' + key - 1);
	} else if (key > 0 && key < 0x80) {
		snprintf(out, len, "%c", key);
	} else if (key >= 0x80 && key < 0x110000) {
		char u[5] = {0};
		uint32_t c = (uint32_t)key;
		if (c < 0x800) {
			u[0] = (char)(0xC0 | (c >> 6));
			u[1] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			u[0] = (char)(0xE0 | (c >> 12));
			u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
			u[2] = (char)(0x80 | (c & 0x3F));
		} else {
			u[0] = (char)(0xF0 | (c >> 18));
			u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
			u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
			u[3] = (char)(0x80 | (c & 0x3F));
		}
		snprintf(out, len, "%s", u);
	} else {
		snprintf(out, len, "?");
	}
	return out;
}

int
model_key_from_name(const char *name)
{
	uint32_t cp;
	size_t len = strlen(name);
	int n;

	if (len > 2 && name[0] == '<' && name[len - 1] == '>') {
		char inner[32];
		if (len - 2 >= sizeof inner)
			return -1;
		memcpy(inner, name + 1, len - 2);
		inner[len - 2] = '\0';
		return model_key_from_name(inner);
	}
	for (size_t i = 0; i < sizeof special / sizeof *special; i++)
		if (strcasecmp(special[i].name, name) == 0)
			return special[i].key;
	if (strcasecmp(name, "BS") == 0)
		return MODEL_KEY_BACKSPACE;
	if ((strncasecmp(name, "Ctrl-", 5) == 0 ||
	     strncasecmp(name, "C-", 2) == 0)) {
		const char *c = name[1] == '-' ? name + 2 : name + 5;
		if (c[0] && !c[1] && ((c[0] >= 'a' && c[0] <= 'z') ||
				      (c[0] >= 'A' && c[0] <= 'Z')))
			return MODEL_CTRL(c[0]);
		return -1;
	}
	n = utf8_decode(name, len, &cp);
	if (n > 0 && (size_t)n == len && cp >= 0x20)
		return (int)cp;
	return -1;
}
