/** The Eko simulator's public face: start it, steer it, read what it saw. */
export { SIMULATOR_OTP, startSimulator, UAT_INITIATOR_ID } from './app.ts'
export { API_PREFIX } from './api.ts'
export { FaultSchema, parseFault, type Fault, type FaultKind } from './fault-schema.ts'
export { scenarios, findScenario, SAMPLE_USER_CODE, type Scenario } from './scenarios.ts'
export type { Simulator, SimulatorCall, SimulatorOptions } from './types.ts'
