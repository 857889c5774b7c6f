/**
 * What the stages of a case record besides their outputs and stage records: events (the stage
 * wrappers and ctx.emit()) and artifacts (ctx.artifact()), across every turn of the case, with
 * event times counted from the case's start.
 */
import type { Artifact, CaseRecord, StageEvent } from '../log/schema.ts';
import type { Json } from '../util/json.ts';
import { storeArtifact } from './artifacts.ts';
import { nowMs, roundMs } from './clock.ts';

export class CaseJournal {
  events: StageEvent[] | undefined;
  artifacts: Artifact[] | undefined;

  /** @param startMs when the case started: event times are counted from it. */
  constructor(readonly startMs: number = nowMs()) {}

  /** Records an event of `stage` (in turn `turn` of a multi-turn case). */
  event(stage: string, turn: number | null, type: string, data: Json | undefined): void {
    const event: StageEvent = { t: roundMs(nowMs() - this.startMs), stage, type };
    if (turn !== null) event.turn = turn;
    if (data !== undefined) event.data = data;
    (this.events ??= []).push(event);
  }

  /** Stores an artifact of `stage` in the artifacts folder `dir` (see storeArtifact) and records it. */
  async artifact(dir: string | undefined, stage: string, turn: number | null, name: string, content: unknown, mime: string | undefined, scrub?: (text: string) => string): Promise<Artifact> {
    const artifact = await storeArtifact(dir, stage, name, content, mime, scrub);
    if (turn !== null) artifact.turn = turn;
    (this.artifacts ??= []).push(artifact);
    return artifact;
  }

  /** Sets the events and artifacts recorded so far on the case record, when there are any. */
  writeTo(record: CaseRecord): void {
    if (this.events) record.events = this.events;
    if (this.artifacts) record.artifacts = this.artifacts;
  }
}
