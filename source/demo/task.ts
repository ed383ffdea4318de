/** The built-in demo task: a tiny spec to analyse, with a schema for the analysis. */

export const demoScenarios = ['happy', 'invalid', 'fail', 'timeout'] as const;
export type DemoScenario = (typeof demoScenarios)[number];

export const demoScenarioText: Record<DemoScenario, string> = {
	happy: 'the consumer claims, streams progress, asks one question and waits for it in short steps (as an agent under a tool time limit does), and writes a valid result',
	invalid: 'the first result misses a field; it is sent back and repaired on the retry',
	fail: 'the consumer gives up and signals .error',
	timeout: 'the consumer is too slow and the 8-second timeout runs out',
};

export const demoSpec = `# Helpdesk

Customers open tickets. Agents pick them up, work on them and resolve them.
A resolved ticket can be reopened by the customer within 7 days; after that it is closed.

Ticket.status: open -> in_progress -> resolved -> closed
Customers can edit their own profile.
`;

export const demoSchema = {
	$schema: 'http://json-schema.org/draft-07/schema#',
	type: 'object',
	required: ['state_machines', 'profile_editing'],
	properties: {
		state_machines: {
			type: 'array',
			items: {
				type: 'object',
				required: ['entity', 'field', 'states', 'transition_count'],
				properties: {
					entity: {type: 'string'},
					field: {type: 'string'},
					states: {type: 'array', items: {type: 'string'}, minItems: 2},
					transition_count: {type: 'integer', minimum: 0},
				},
			},
		},
		profile_editing: {type: 'string', description: 'Who may edit a profile, as answered by the person'},
	},
};

export const demoInstructions = `Analyse the spec in \`input/SPEC.md\`: list its state machines (entity, field, states, number of transitions) and say who may edit user profiles. When the spec is unclear, ask.`;
