import { expect } from 'chai';
import { decoratorMode, requestedMode } from './helpers/decorator-mode.js';

describe(`decorator mode (${requestedMode})`, () => {
  it('compiles the specs with the decorator convention the run asked for', () => {
    expect(decoratorMode).to.equal(requestedMode);
  });
});
